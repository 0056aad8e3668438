-- Community activity: hourly rollups of messages, emojis and application commands; voice and
-- game-activity sessions with voice flag changes; the shards' heartbeats; invites and the joins
-- they brought. Same conventions as 0001; counters are non-negative bigints.
--
-- No foreign key to guilds: an event may arrive before the guild's GUILD_CREATE is stored, and a
-- count must never be refused for that. Every row still carries its guild_id.
--
-- Text that results are ordered by (emojis, invite codes) uses the "C" collation: byte order,
-- which is how SQLite compares text, so both backends break ties alike.

-- Rollups: one row per (guild, hour, key), added to by every flush of the ingest writer. The
-- primary key leads with the hour so a flush touches the end of each B-tree, and rankings over a
-- period read one range; the by_member indexes serve one member's totals (/me).
CREATE TABLE message_rollups (
    guild_id         bigint      NOT NULL,
    hour             timestamptz NOT NULL,
    channel_id       bigint      NOT NULL,
    user_id          bigint      NOT NULL,
    messages         bigint      NOT NULL CHECK (messages >= 0),
    with_attachments bigint      NOT NULL CHECK (with_attachments >= 0),
    replies          bigint      NOT NULL CHECK (replies >= 0),
    in_threads       bigint      NOT NULL CHECK (in_threads >= 0),
    PRIMARY KEY (guild_id, hour, channel_id, user_id)
);
CREATE INDEX message_rollups_by_member ON message_rollups (guild_id, user_id, hour);

-- emoji: a unicode emoji as itself, a custom one as name:id.
CREATE TABLE emoji_rollups (
    guild_id          bigint      NOT NULL,
    hour              timestamptz NOT NULL,
    emoji             text        COLLATE "C" NOT NULL,
    user_id           bigint      NOT NULL,
    reactions_added   bigint      NOT NULL CHECK (reactions_added >= 0),
    reactions_removed bigint      NOT NULL CHECK (reactions_removed >= 0),
    in_messages       bigint      NOT NULL CHECK (in_messages >= 0),
    PRIMARY KEY (guild_id, hour, emoji, user_id)
);
CREATE INDEX emoji_rollups_by_member ON emoji_rollups (guild_id, user_id, hour);

-- command: the name as users type it ('leaderboard', 'session start').
CREATE TABLE app_rollups (
    guild_id       bigint      NOT NULL,
    hour           timestamptz NOT NULL,
    application_id bigint      NOT NULL,
    command        text        COLLATE "C" NOT NULL,
    user_id        bigint      NOT NULL,
    uses           bigint      NOT NULL CHECK (uses >= 0),
    PRIMARY KEY (guild_id, hour, application_id, command, user_id)
);

-- Append-only ledger of stays in voice; left_at is NULL while the member is still there.
CREATE TABLE voice_sessions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL,
    channel_id bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    joined_at  timestamptz NOT NULL,
    left_at    timestamptz CHECK (left_at >= joined_at),
    afk        boolean     NOT NULL
);
-- At most one open session per member and guild (a member is in one voice channel at a time).
CREATE UNIQUE INDEX voice_sessions_open ON voice_sessions (guild_id, user_id) WHERE left_at IS NULL;
CREATE INDEX voice_sessions_by_time ON voice_sessions (guild_id, joined_at);
CREATE INDEX voice_sessions_by_member ON voice_sessions (guild_id, user_id, joined_at);

-- Append-only: every change of a member's mute/deafen/stream/video flags while in voice.
CREATE TABLE voice_flag_changes (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id  bigint      NOT NULL,
    user_id   bigint      NOT NULL,
    at        timestamptz NOT NULL,
    self_mute boolean     NOT NULL,
    self_deaf boolean     NOT NULL,
    mute      boolean     NOT NULL,
    deaf      boolean     NOT NULL,
    streaming boolean     NOT NULL,
    video     boolean     NOT NULL
);
CREATE INDEX voice_flag_changes_by_member ON voice_flag_changes (guild_id, user_id, at);

-- The last moment each shard was known alive: how long the bot was down, after a restart.
CREATE TABLE shard_heartbeats (
    shard   bigint      PRIMARY KEY CHECK (shard >= 0),
    beat_at timestamptz NOT NULL
);

-- Append-only ledger of game activity (presence "Playing"); ended_at is NULL while it runs.
CREATE TABLE activity_sessions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    game       text        COLLATE "C" NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz CHECK (ended_at >= started_at)
);
-- At most one open session per member, guild and game.
CREATE UNIQUE INDEX activity_sessions_open ON activity_sessions (guild_id, user_id, game) WHERE ended_at IS NULL;
CREATE INDEX activity_sessions_by_time ON activity_sessions (guild_id, started_at);

-- The guild's invites as last fetched; a deleted (or expired, or no longer listed) invite keeps
-- its row with deleted_at set, since past joins name its code. max_uses 0 is unlimited.
CREATE TABLE invites (
    guild_id   bigint      NOT NULL,
    code       text        COLLATE "C" NOT NULL,
    inviter_id bigint,
    channel_id bigint,
    uses       bigint      NOT NULL CHECK (uses >= 0),
    max_uses   bigint      NOT NULL CHECK (max_uses >= 0),
    created_at timestamptz,
    deleted_at timestamptz,
    PRIMARY KEY (guild_id, code)
);

-- Append-only ledger of joins and how each member came in; left_at is set when they leave.
-- invite_code is set exactly when the source is an invite; inviter_id only then, when known.
CREATE TABLE member_joins (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    bigint      NOT NULL,
    user_id     bigint      NOT NULL,
    joined_at   timestamptz NOT NULL,
    source      text        NOT NULL CHECK (source IN ('invite', 'vanity', 'unknown')),
    invite_code text        COLLATE "C",
    inviter_id  bigint,
    left_at     timestamptz,
    CHECK ((source = 'invite') = (invite_code IS NOT NULL)),
    CHECK (source = 'invite' OR inviter_id IS NULL)
);
CREATE INDEX member_joins_by_time ON member_joins (guild_id, joined_at);
CREATE INDEX member_joins_by_member ON member_joins (guild_id, user_id, joined_at);
CREATE INDEX member_joins_by_inviter ON member_joins (guild_id, inviter_id, joined_at) WHERE inviter_id IS NOT NULL;

-- Flushes already applied, by id, so a flush retried after its commit was lost on the way back
-- (the connection died after COMMIT) is recognised and not added twice. Pruned after a week.
CREATE TABLE ingest_batches (
    id         text        NOT NULL PRIMARY KEY,
    applied_at timestamptz NOT NULL
);
CREATE INDEX ingest_batches_by_time ON ingest_batches (applied_at);
