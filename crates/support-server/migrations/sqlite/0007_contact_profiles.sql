-- chatlabs-support schema, version 7 (SQLite): contact profiles.
--
-- support_users: what the bot last reported of the user's Telegram profile (NULL: unknown or
-- removed). The newest report replaces all four; the bot sends one with each message.
ALTER TABLE support_users ADD COLUMN first_name TEXT;
ALTER TABLE support_users ADD COLUMN last_name TEXT;
ALTER TABLE support_users ADD COLUMN username TEXT;
ALTER TABLE support_users ADD COLUMN is_premium INTEGER NOT NULL DEFAULT 0 CHECK (is_premium IN (0, 1));
