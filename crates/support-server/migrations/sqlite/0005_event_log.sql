-- The event log behind resumable manager events (storage/events.rs). AUTOINCREMENT, not a bare
-- rowid: numbers are never reused, even after the log is trimmed down to its newest event.
CREATE TABLE support_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
