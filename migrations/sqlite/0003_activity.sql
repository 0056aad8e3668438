-- Community activity: hourly rollups of messages, emojis and application commands; voice and
-- game-activity sessions with voice flag changes; the shards' heartbeats; invites and the joins
-- they brought. Same conventions as 0001; counters are non-negative INTEGERs.
--
-- No foreign key to guilds: an event may arrive before the guild's GUILD_CREATE is stored, and a
-- count must never be refused for that. Every row still carries its guild_id.

-- Rollups: one row per (guild, hour, key), added to by every flush of the ingest writer. The
-- primary key leads with the hour so a flush touches the end of each B-tree, and rankings over a
-- period read one range; the by_member indexes serve one member's totals (/me).
CREATE TABLE message_rollups (
    guild_id         INTEGER NOT NULL,
    hour             INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    messages         INTEGER NOT NULL CHECK (messages >= 0),
    with_attachments INTEGER NOT NULL CHECK (with_attachments >= 0),
    replies          INTEGER NOT NULL CHECK (replies >= 0),
    in_threads       INTEGER NOT NULL CHECK (in_threads >= 0),
    PRIMARY KEY (guild_id, hour, channel_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_rollups_by_member ON message_rollups (guild_id, user_id, hour);

-- emoji: a unicode emoji as itself, a custom one as name:id.
CREATE TABLE emoji_rollups (
    guild_id          INTEGER NOT NULL,
    hour              INTEGER NOT NULL,
    emoji             TEXT    NOT NULL,
    user_id           INTEGER NOT NULL,
    reactions_added   INTEGER NOT NULL CHECK (reactions_added >= 0),
    reactions_removed INTEGER NOT NULL CHECK (reactions_removed >= 0),
    in_messages       INTEGER NOT NULL CHECK (in_messages >= 0),
    PRIMARY KEY (guild_id, hour, emoji, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX emoji_rollups_by_member ON emoji_rollups (guild_id, user_id, hour);

-- command: the name as users type it ('leaderboard', 'session start').
CREATE TABLE app_rollups (
    guild_id       INTEGER NOT NULL,
    hour           INTEGER NOT NULL,
    application_id INTEGER NOT NULL,
    command        TEXT    NOT NULL,
    user_id        INTEGER NOT NULL,
    uses           INTEGER NOT NULL CHECK (uses >= 0),
    PRIMARY KEY (guild_id, hour, application_id, command, user_id)
) STRICT, WITHOUT ROWID;

-- Append-only ledger of stays in voice; left_at is NULL while the member is still there.
CREATE TABLE voice_sessions (
    id         INTEGER NOT NULL PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    joined_at  INTEGER NOT NULL,
    left_at    INTEGER CHECK (left_at >= joined_at),
    afk        INTEGER NOT NULL CHECK (afk IN (0, 1))
) STRICT;
-- At most one open session per member and guild (a member is in one voice channel at a time).
CREATE UNIQUE INDEX voice_sessions_open ON voice_sessions (guild_id, user_id) WHERE left_at IS NULL;
CREATE INDEX voice_sessions_by_time ON voice_sessions (guild_id, joined_at);
CREATE INDEX voice_sessions_by_member ON voice_sessions (guild_id, user_id, joined_at);

-- Append-only: every change of a member's mute/deafen/stream/video flags while in voice.
CREATE TABLE voice_flag_changes (
    id        INTEGER NOT NULL PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    self_mute INTEGER NOT NULL CHECK (self_mute IN (0, 1)),
    self_deaf INTEGER NOT NULL CHECK (self_deaf IN (0, 1)),
    mute      INTEGER NOT NULL CHECK (mute IN (0, 1)),
    deaf      INTEGER NOT NULL CHECK (deaf IN (0, 1)),
    streaming INTEGER NOT NULL CHECK (streaming IN (0, 1)),
    video     INTEGER NOT NULL CHECK (video IN (0, 1))
) STRICT;
CREATE INDEX voice_flag_changes_by_member ON voice_flag_changes (guild_id, user_id, at);

-- The last moment each shard was known alive: how long the bot was down, after a restart.
CREATE TABLE shard_heartbeats (
    shard   INTEGER NOT NULL PRIMARY KEY CHECK (shard >= 0),
    beat_at INTEGER NOT NULL
) STRICT;

-- Append-only ledger of game activity (presence "Playing"); ended_at is NULL while it runs.
CREATE TABLE activity_sessions (
    id         INTEGER NOT NULL PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    game       TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER CHECK (ended_at >= started_at)
) STRICT;
-- At most one open session per member, guild and game.
CREATE UNIQUE INDEX activity_sessions_open ON activity_sessions (guild_id, user_id, game) WHERE ended_at IS NULL;
CREATE INDEX activity_sessions_by_time ON activity_sessions (guild_id, started_at);

-- The guild's invites as last fetched; a deleted (or expired, or no longer listed) invite keeps
-- its row with deleted_at set, since past joins name its code. max_uses 0 is unlimited.
CREATE TABLE invites (
    guild_id   INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    inviter_id INTEGER,
    channel_id INTEGER,
    uses       INTEGER NOT NULL CHECK (uses >= 0),
    max_uses   INTEGER NOT NULL CHECK (max_uses >= 0),
    created_at INTEGER,
    deleted_at INTEGER,
    PRIMARY KEY (guild_id, code)
) STRICT;

-- Append-only ledger of joins and how each member came in; left_at is set when they leave.
-- invite_code is set exactly when the source is an invite; inviter_id only then, when known.
CREATE TABLE member_joins (
    id          INTEGER NOT NULL PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    joined_at   INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('invite', 'vanity', 'unknown')),
    invite_code TEXT,
    inviter_id  INTEGER,
    left_at     INTEGER,
    CHECK ((source = 'invite') = (invite_code IS NOT NULL)),
    CHECK (source = 'invite' OR inviter_id IS NULL)
) STRICT;
CREATE INDEX member_joins_by_time ON member_joins (guild_id, joined_at);
CREATE INDEX member_joins_by_member ON member_joins (guild_id, user_id, joined_at);
CREATE INDEX member_joins_by_inviter ON member_joins (guild_id, inviter_id, joined_at) WHERE inviter_id IS NOT NULL;

-- Flushes already applied, by id, so a flush retried after its commit was lost on the way back
-- (the connection died after COMMIT) is recognised and not added twice. Pruned after a week.
CREATE TABLE ingest_batches (
    id         TEXT    NOT NULL PRIMARY KEY,
    applied_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ingest_batches_by_time ON ingest_batches (applied_at);
