-- chatlabs-support schema, version 3 (Postgres): each manager reply's delivery to Telegram, and
-- what is known of a user (language, blocked the bot). The same design as SQLite's version 3
-- (see migrations/sqlite/0003_deliveries.sql): a row per manager reply, made by a trigger;
-- replies written before this version get none.

ALTER TABLE support_users ADD COLUMN language_code TEXT;
ALTER TABLE support_users ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE support_deliveries (
    message_id          BIGINT  PRIMARY KEY REFERENCES support_messages (id),
    state               TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed')),
    attempts            BIGINT  NOT NULL DEFAULT 0,
    updated_at          BIGINT  NOT NULL,
    telegram_message_id BIGINT,
    error_code          BIGINT,
    error               TEXT,
    lease_until         BIGINT,
    lease_owner         TEXT,
    sending             BOOLEAN NOT NULL DEFAULT FALSE,
    not_before          BIGINT
);

CREATE INDEX support_deliveries_pending ON support_deliveries (message_id) WHERE state = 'pending';

CREATE FUNCTION support_deliveries_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO support_deliveries (message_id, state, attempts, updated_at)
    VALUES (NEW.id, 'pending', 0, NEW.created_at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER support_deliveries_new AFTER INSERT ON support_messages
    FOR EACH ROW WHEN (NEW.sender = 'supp') EXECUTE FUNCTION support_deliveries_new();

-- The state (resolved or open) a user was last told of, per ticket (see the SQLite migration).
CREATE TABLE support_resolution_notices (
    ticket_id BIGINT  PRIMARY KEY REFERENCES support_tickets (id),
    resolved  BOOLEAN NOT NULL
);
