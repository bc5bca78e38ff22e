-- chatlabs-support schema, version 9 (SQLite): the team's private notes and canned replies.
--
-- support_notes: notes managers write on a ticket, for each other only (never sent to
-- Telegram). manager_id has no foreign key, like support_messages.manager_id.
CREATE TABLE support_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES support_tickets (id),
    manager_id INTEGER,
    created_at INTEGER NOT NULL,
    text       TEXT    NOT NULL
);

CREATE INDEX support_notes_ticket ON support_notes (ticket_id, id);

-- support_canned: the team's canned replies, with {variables} the console fills in.
CREATE TABLE support_canned (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
