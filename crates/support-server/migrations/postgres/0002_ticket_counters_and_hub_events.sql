-- chatlabs-support schema, version 2 (Postgres): the same ticket columns as SQLite (its versions
-- 2 and 3), and the event hub's table.
--
-- `unread_count` (user messages not viewed yet) and `updated_at` (the newest of the ticket's
-- creation and its messages' times) were computed per read by subqueries over the ticket's
-- messages. They now live on the ticket row, kept exact by row triggers, so writes from
-- anywhere (a host's tools included) keep them right, and both databases read the same
-- columns. Neither column is indexed, so the trigger's UPDATE is a HOT update.
-- Messages are never deleted by the server; a host deleting some leaves `updated_at` as it was.
-- Needs Postgres 11 or newer (EXECUTE FUNCTION; OLD/NEW are NULL where they do not apply).

ALTER TABLE support_tickets
    ADD COLUMN unread_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN updated_at   BIGINT NOT NULL DEFAULT 0;

UPDATE support_tickets t SET
    unread_count = (
        SELECT COUNT(*) FROM support_messages m
        WHERE m.ticket_id = t.id AND m.sender = 'user' AND NOT m.viewed
    ),
    updated_at = GREATEST(t.created_at, (
        SELECT MAX(m.created_at) FROM support_messages m WHERE m.ticket_id = t.id
    ));

DROP INDEX support_messages_unread;

CREATE FUNCTION support_messages_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE support_tickets SET
            updated_at = GREATEST(updated_at, NEW.created_at),
            unread_count = unread_count + (NEW.sender = 'user' AND NOT NEW.viewed)::INT
        WHERE id = NEW.ticket_id;
        RETURN NULL;
    END IF;
    IF OLD.sender = 'user' AND NOT OLD.viewed THEN
        UPDATE support_tickets SET unread_count = unread_count - 1 WHERE id = OLD.ticket_id;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.sender = 'user' AND NOT NEW.viewed THEN
        UPDATE support_tickets SET unread_count = unread_count + 1 WHERE id = NEW.ticket_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER support_messages_insert AFTER INSERT ON support_messages
    FOR EACH ROW EXECUTE FUNCTION support_messages_counters();

CREATE TRIGGER support_messages_update
    AFTER UPDATE OF ticket_id, sender, viewed ON support_messages
    FOR EACH ROW
    WHEN ((OLD.sender = 'user' AND NOT OLD.viewed) IS DISTINCT FROM
          (NEW.sender = 'user' AND NOT NEW.viewed)
          OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
    EXECUTE FUNCTION support_messages_counters();

CREATE TRIGGER support_messages_delete AFTER DELETE ON support_messages
    FOR EACH ROW
    WHEN (OLD.sender = 'user' AND NOT OLD.viewed)
    EXECUTE FUNCTION support_messages_counters();

-- The Postgres event hub (PgHub) keeps events too large for a NOTIFY payload here, for minutes.
-- Before this version the hub created the table itself; IF NOT EXISTS keeps such a table.
CREATE TABLE IF NOT EXISTS support_hub_events (
    id         BIGSERIAL   PRIMARY KEY,
    payload    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
