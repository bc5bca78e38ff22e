-- chatlabs-support schema, version 1 (SQLite).
-- Applied by SqliteStorage inside one transaction and recorded in support_schema_migrations
-- (never in sqlx's _sqlx_migrations, so a host's own sqlx migrations can share the file).
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC); booleans are 0/1.
-- AUTOINCREMENT: ids are never reused, even after the newest row is deleted (SPEC section 1).

CREATE TABLE support_users (
    telegram_id INTEGER PRIMARY KEY NOT NULL
);

CREATE TABLE support_managers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL DEFAULT '',
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE support_tickets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES support_users (telegram_id),
    support_manager_id INTEGER REFERENCES support_managers (id),
    created_at         INTEGER NOT NULL,
    title              TEXT    NOT NULL,
    resolved           INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1))
);

-- The list order, alone and under each filter (the filter column first, then the order).
CREATE INDEX support_tickets_order ON support_tickets (created_at DESC, id DESC);
CREATE INDEX support_tickets_user ON support_tickets (user_id, created_at DESC, id DESC);
CREATE INDEX support_tickets_manager ON support_tickets (support_manager_id, created_at DESC, id DESC);
CREATE INDEX support_tickets_resolved ON support_tickets (resolved, created_at DESC, id DESC);

CREATE TABLE support_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES support_tickets (id),
    created_at INTEGER NOT NULL,
    sender     TEXT    NOT NULL CHECK (sender IN ('user', 'supp')),
    text       TEXT    NOT NULL,
    viewed     INTEGER NOT NULL DEFAULT 0 CHECK (viewed IN (0, 1)),
    -- The manager who wrote a `supp` message. No foreign key: the trait does not validate it.
    manager_id INTEGER
);

-- A ticket's messages newest first, and its newest message (updated_at).
CREATE INDEX support_messages_ticket ON support_messages (ticket_id, id);
-- unread_count: user messages not viewed yet, per ticket.
CREATE INDEX support_messages_unread ON support_messages (ticket_id)
    WHERE sender = 'user' AND viewed = 0;
-- replies_after / last_reply_id: manager replies in id order.
CREATE INDEX support_messages_replies ON support_messages (id) WHERE sender = 'supp';

CREATE TABLE support_sessions (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    manager_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX support_sessions_expiry ON support_sessions (expires_at);
