-- chatlabs-support schema, version 2 (Postgres): the event hub's table.
-- The Postgres event hub (PgHub) keeps events too large for a NOTIFY payload here, for minutes.
-- Before this version the hub created the table itself; IF NOT EXISTS keeps such a table.
CREATE TABLE IF NOT EXISTS support_hub_events (
    id         BIGSERIAL   PRIMARY KEY,
    payload    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
