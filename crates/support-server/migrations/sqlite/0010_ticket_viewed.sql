-- chatlabs-support schema, version 10 (SQLite): the ticket-level "viewed" mark of the original's
-- 1.2.0 line.
--
-- viewed_mark: a manager has looked at the ticket (PATCH {"viewed": true}, or a message of it
-- marked viewed) and nobody has marked it unviewed since. The wire's `viewed` is this mark AND no
-- unviewed message of the user (rows.rs), so it is never true while `unread_count` > 0 and a new
-- message of the user makes it false without touching this column. New tickets start unmarked.
-- Tickets from before this version count as looked at: their unread messages still show them
-- unviewed, and the rest do not all turn up as new on the day of the upgrade.
ALTER TABLE support_tickets ADD COLUMN viewed_mark INTEGER NOT NULL DEFAULT 0;
UPDATE support_tickets SET viewed_mark = 1;
