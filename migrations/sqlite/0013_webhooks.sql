-- Outgoing webhooks (src/domain/webhooks.rs) and their durable outbox.
--
-- An event is written to the outbox once per hook that follows it and deleted once the hook's
-- receiver accepted it, so a restart loses nothing. A hook's deliveries go out one at a time in
-- outbox order; after a failure the whole hook waits (`next_attempt_at`), which keeps its
-- events in order. `lease_ends_at` lets one process of several deliver a hook at a time.
CREATE TABLE webhooks (
    id              INTEGER NOT NULL PRIMARY KEY,
    guild_id        INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    events          INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    first_failed_at INTEGER,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    paused_at       INTEGER,
    lease_ends_at   INTEGER,
    delivered       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX webhooks_by_guild ON webhooks (guild_id, id);

-- AUTOINCREMENT: an id is never reused, so a late acknowledgement can only ever delete the
-- delivery it was for.
CREATE TABLE webhook_outbox (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    hook_id    INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_outbox_by_hook ON webhook_outbox (hook_id, id);
