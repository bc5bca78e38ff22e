-- chatlabs-support schema, version 8 (Postgres): full-text search of messages, titles and names.
--
-- The console's search asks for word prefixes of the messages' text with the 'simple'
-- configuration (no stemming: a support team types the words its users wrote, in any
-- language); this index answers `to_tsvector('simple', text) @@ to_tsquery('simple', ...)`.
CREATE INDEX support_messages_search ON support_messages
    USING GIN (to_tsvector('simple', text));

-- The same for tickets' titles and users' names and usernames.
CREATE INDEX support_tickets_search ON support_tickets
    USING GIN (to_tsvector('simple', title));
CREATE INDEX support_users_search ON support_users
    USING GIN (to_tsvector('simple', COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')
        || ' ' || COALESCE(username, '')));
