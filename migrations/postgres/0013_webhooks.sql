-- Outgoing webhooks (src/domain/webhooks.rs) and their durable outbox.
--
-- An event is written to the outbox once per hook that follows it and deleted once the hook's
-- receiver accepted it, so a restart loses nothing. A hook's deliveries go out one at a time in
-- outbox order; after a failure the whole hook waits (`next_attempt_at`), which keeps its
-- events in order. `lease_ends_at` lets one process of several deliver a hook at a time.
CREATE TABLE webhooks (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id        bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    url             text        NOT NULL,
    secret          text        NOT NULL,
    events          bigint      NOT NULL,
    channel_id      bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    failures        bigint      NOT NULL DEFAULT 0,
    first_failed_at timestamptz,
    last_error      text,
    next_attempt_at timestamptz NOT NULL,
    paused_at       timestamptz,
    lease_ends_at   timestamptz,
    delivered       bigint      NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_by_guild ON webhooks (guild_id, id);

CREATE TABLE webhook_outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hook_id    bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    guild_id   bigint      NOT NULL,
    event      text        NOT NULL,
    event_id   text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhook_outbox_by_hook ON webhook_outbox (hook_id, id);
