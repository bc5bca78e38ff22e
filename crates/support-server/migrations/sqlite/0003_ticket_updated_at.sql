-- chatlabs-support schema, version 3 (SQLite): each ticket keeps its activity time.
-- `updated_at` (the newest of the ticket's creation and its messages' times) was computed per
-- read from the newest message. It now lives on the ticket row beside `unread_count`, kept by
-- the same insert trigger (one UPDATE of the ticket per message), so both databases read the
-- same columns and a list can later be ordered by activity through an index.
-- Messages are never deleted by the server; a host deleting some leaves `updated_at` as it was.

ALTER TABLE support_tickets ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

UPDATE support_tickets SET updated_at = MAX(created_at, COALESCE((
    SELECT MAX(m.created_at) FROM support_messages m WHERE m.ticket_id = support_tickets.id
), created_at));

DROP TRIGGER support_messages_unread_insert;

CREATE TRIGGER support_messages_insert AFTER INSERT ON support_messages
BEGIN
    UPDATE support_tickets SET
        updated_at = MAX(updated_at, NEW.created_at),
        unread_count = unread_count + (NEW.sender = 'user' AND NEW.viewed = 0)
    WHERE id = NEW.ticket_id;
END;
