-- chatlabs-support schema, version 6 (SQLite): attachments (files, locations, contacts).
--
-- support_attachments: one row per attachment, made by an upload (message_id NULL until a
-- message claims it) or with the message that carries it (a file Telegram holds, a location, a
-- contact). uploader: who may claim an upload ('bot' or 'manager:<id>'). blob: the content
-- address ('sha256:<hex>') of the bytes in the blob store, NULL when only Telegram has them.
-- meta: the wire attachment as JSON (kind, name, type, size, picture size, Telegram's ids, ...):
-- a newer Telegram's fields and kinds need no migration, and nothing queries inside it.
--
-- support_messages.attachments: the message's attachments as they go on the wire (a JSON array,
-- NULL when none), written with the message. Every read of a message (lists, replays, the bot's
-- offers) reads the one row it already reads, with no join; the rows of support_attachments
-- serve downloads, ownership and clean-up.
ALTER TABLE support_messages ADD COLUMN attachments TEXT;

CREATE TABLE support_attachments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER REFERENCES support_messages (id),
    uploader   TEXT    NOT NULL,
    blob       TEXT,
    meta       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX support_attachments_message ON support_attachments (message_id);
-- Uploads never sent, oldest first: what the clean-up deletes.
CREATE INDEX support_attachments_unsent ON support_attachments (created_at) WHERE message_id IS NULL;
-- Whether any attachment still uses a blob, before it is deleted.
CREATE INDEX support_attachments_blob ON support_attachments (blob) WHERE blob IS NOT NULL;
