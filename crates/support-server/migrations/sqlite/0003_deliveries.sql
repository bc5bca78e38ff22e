-- chatlabs-support schema, version 3 (SQLite): each manager reply's delivery to Telegram, and
-- what is known of a user (language, blocked the bot).
--
-- One row per manager reply, made by a trigger when the reply is written (so every insert path,
-- the group commit's included, and a host's own tools, make one). Replies written before this
-- version get none: they were pushed (or not) by the cursor protocol, and offering them again
-- now would send them twice.
-- state: pending | sent | failed. lease_owner, lease_until: the bot connection that claimed it
-- has it until then. sending: that connection announced the Telegram call (a reply whose lease
-- ends while sending is marked failed as unconfirmed, never sent again). not_before: a retry's
-- earliest time. Times in microseconds, as everywhere.

ALTER TABLE support_users ADD COLUMN language_code TEXT;
ALTER TABLE support_users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1));

CREATE TABLE support_deliveries (
    message_id          INTEGER PRIMARY KEY NOT NULL REFERENCES support_messages (id),
    state               TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL,
    telegram_message_id INTEGER,
    error_code          INTEGER,
    error               TEXT,
    lease_until         INTEGER,
    lease_owner         TEXT,
    sending             INTEGER NOT NULL DEFAULT 0 CHECK (sending IN (0, 1)),
    not_before          INTEGER
);

-- The claim's scan: pending replies in id order.
CREATE INDEX support_deliveries_pending ON support_deliveries (message_id) WHERE state = 'pending';

CREATE TRIGGER support_deliveries_new AFTER INSERT ON support_messages
    WHEN NEW.sender = 'supp'
BEGIN
    INSERT INTO support_deliveries (message_id, state, attempts, updated_at)
    VALUES (NEW.id, 'pending', 0, NEW.created_at);
END;

-- The state (resolved or open) a user was last told of, per ticket: the first bot connection to
-- record a manager's resolve or reopen sends the notice, so several bot replicas send it once.
CREATE TABLE support_resolution_notices (
    ticket_id INTEGER PRIMARY KEY NOT NULL REFERENCES support_tickets (id),
    resolved  INTEGER NOT NULL CHECK (resolved IN (0, 1))
);
