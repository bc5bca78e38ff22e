-- chatlabs-support schema, version 8 (SQLite): full-text search of messages, titles and names.
--
-- support_messages_fts: an FTS5 index of support_messages.text (external content: the text is
-- stored once, in support_messages), kept by the triggers below; unicode61 folds case in every
-- script, so "ошибка" finds "Ошибка" (diacritics too, beyond what the contract promises). The
-- console's search asks it for word prefixes ("refu" finds "refund").
CREATE VIRTUAL TABLE support_messages_fts USING fts5(
    text,
    content = 'support_messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO support_messages_fts (support_messages_fts) VALUES ('rebuild');

CREATE TRIGGER support_messages_fts_insert AFTER INSERT ON support_messages BEGIN
    INSERT INTO support_messages_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER support_messages_fts_delete AFTER DELETE ON support_messages BEGIN
    INSERT INTO support_messages_fts (support_messages_fts, rowid, text)
    VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER support_messages_fts_update AFTER UPDATE OF text ON support_messages BEGIN
    INSERT INTO support_messages_fts (support_messages_fts, rowid, text)
    VALUES ('delete', old.id, old.text);
    INSERT INTO support_messages_fts (rowid, text) VALUES (new.id, new.text);
END;

-- support_tickets_fts, support_users_fts: the same for tickets' titles and users' names and
-- usernames, so a search finds "Анна" from "анн" whatever the script (SQLite's own LIKE and
-- lower() fold ASCII only).
CREATE VIRTUAL TABLE support_tickets_fts USING fts5(
    title,
    content = 'support_tickets',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO support_tickets_fts (support_tickets_fts) VALUES ('rebuild');

CREATE TRIGGER support_tickets_fts_insert AFTER INSERT ON support_tickets BEGIN
    INSERT INTO support_tickets_fts (rowid, title) VALUES (new.id, new.title);
END;

CREATE TRIGGER support_tickets_fts_delete AFTER DELETE ON support_tickets BEGIN
    INSERT INTO support_tickets_fts (support_tickets_fts, rowid, title)
    VALUES ('delete', old.id, old.title);
END;

CREATE TRIGGER support_tickets_fts_update AFTER UPDATE OF title ON support_tickets BEGIN
    INSERT INTO support_tickets_fts (support_tickets_fts, rowid, title)
    VALUES ('delete', old.id, old.title);
    INSERT INTO support_tickets_fts (rowid, title) VALUES (new.id, new.title);
END;

CREATE VIRTUAL TABLE support_users_fts USING fts5(
    first_name,
    last_name,
    username,
    content = 'support_users',
    content_rowid = 'telegram_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO support_users_fts (support_users_fts) VALUES ('rebuild');

CREATE TRIGGER support_users_fts_insert AFTER INSERT ON support_users BEGIN
    INSERT INTO support_users_fts (rowid, first_name, last_name, username)
    VALUES (new.telegram_id, new.first_name, new.last_name, new.username);
END;

CREATE TRIGGER support_users_fts_delete AFTER DELETE ON support_users BEGIN
    INSERT INTO support_users_fts (support_users_fts, rowid, first_name, last_name, username)
    VALUES ('delete', old.telegram_id, old.first_name, old.last_name, old.username);
END;

CREATE TRIGGER support_users_fts_update AFTER UPDATE OF first_name, last_name, username
ON support_users BEGIN
    INSERT INTO support_users_fts (support_users_fts, rowid, first_name, last_name, username)
    VALUES ('delete', old.telegram_id, old.first_name, old.last_name, old.username);
    INSERT INTO support_users_fts (rowid, first_name, last_name, username)
    VALUES (new.telegram_id, new.first_name, new.last_name, new.username);
END;
