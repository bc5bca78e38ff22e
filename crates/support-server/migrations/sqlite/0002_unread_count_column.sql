-- chatlabs-support schema, version 2 (SQLite): each ticket keeps its unread count.
-- Version 1 counted unread user messages through the partial index support_messages_unread.
-- Every new user message then added an entry to that index: with messages spread over many
-- tickets, one more B-tree leaf per ticket written to the WAL in every group commit, about
-- half of the pages a commit wrote (BENCHMARKS.md). The count now lives on the ticket row,
-- kept exact by triggers (so writes from anywhere, a host's tools included, keep it right);
-- the tickets of a commit share a few table pages.

ALTER TABLE support_tickets ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;

UPDATE support_tickets SET unread_count = (
    SELECT COUNT(*) FROM support_messages m
    WHERE m.ticket_id = support_tickets.id AND m.sender = 'user' AND m.viewed = 0
);

DROP INDEX support_messages_unread;

CREATE TRIGGER support_messages_unread_insert AFTER INSERT ON support_messages
    WHEN NEW.sender = 'user' AND NEW.viewed = 0
BEGIN
    UPDATE support_tickets SET unread_count = unread_count + 1 WHERE id = NEW.ticket_id;
END;

CREATE TRIGGER support_messages_unread_update
    AFTER UPDATE OF ticket_id, sender, viewed ON support_messages
    WHEN (OLD.sender = 'user' AND OLD.viewed = 0) IS NOT (NEW.sender = 'user' AND NEW.viewed = 0)
        OR OLD.ticket_id IS NOT NEW.ticket_id
BEGIN
    UPDATE support_tickets SET unread_count = unread_count - 1
        WHERE id = OLD.ticket_id AND OLD.sender = 'user' AND OLD.viewed = 0;
    UPDATE support_tickets SET unread_count = unread_count + 1
        WHERE id = NEW.ticket_id AND NEW.sender = 'user' AND NEW.viewed = 0;
END;

CREATE TRIGGER support_messages_unread_delete AFTER DELETE ON support_messages
    WHEN OLD.sender = 'user' AND OLD.viewed = 0
BEGIN
    UPDATE support_tickets SET unread_count = unread_count - 1 WHERE id = OLD.ticket_id;
END;
