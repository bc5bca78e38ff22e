-- The event log behind resumable manager events (storage/events.rs). Numbers come from a
-- counter row, not a sequence: an append updates the row and inserts in one statement, so
-- appends from every instance commit in number order and a number is never skipped (a sequence
-- hands out numbers outside transactions, so a larger one could commit first).
CREATE TABLE support_event_counter (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    last BIGINT   NOT NULL
);
INSERT INTO support_event_counter (id, last) VALUES (1, 0);
CREATE TABLE support_events (
    seq        BIGINT PRIMARY KEY,
    payload    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
