-- Squad stats: the kill ledger, game sessions, seasons, each guild's game list, and the settings
-- that govern who may track and how the bot reacts. Same conventions as 0001.

ALTER TABLE guilds ADD COLUMN games_seeded boolean NOT NULL DEFAULT false;

-- Who may /track: 'everyone', 'role' (tracker_role_id) or 'managers'.
ALTER TABLE guild_settings ADD COLUMN tracker_access text NOT NULL DEFAULT 'everyone'
    CHECK (tracker_access IN ('everyone', 'role', 'managers'));
ALTER TABLE guild_settings ADD COLUMN tracker_role_id bigint;
-- The reaction added to /track replies: a unicode emoji or a custom one as name:id.
ALTER TABLE guild_settings ADD COLUMN reaction_emoji text;
ALTER TABLE guild_settings ADD COLUMN session_idle_minutes integer NOT NULL DEFAULT 360
    CHECK (session_idle_minutes > 0);

CREATE TABLE games (
    guild_id bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name_key text        NOT NULL,
    name     text        NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (guild_id, name_key)
);

CREATE TABLE seasons (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    started_at timestamptz NOT NULL,
    started_by bigint      NOT NULL,
    ended_at   timestamptz,
    ended_by   bigint
);
-- At most one running season per guild.
CREATE UNIQUE INDEX seasons_running ON seasons (guild_id) WHERE ended_at IS NULL;
CREATE INDEX seasons_by_guild ON seasons (guild_id, id);

CREATE TABLE game_sessions (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id         bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id       bigint      NOT NULL,
    game             text,
    game_key         text,
    name             text,
    started_by       bigint      NOT NULL,
    started_at       timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    ended_at         timestamptz,
    ended_by         bigint,
    end_reason       text CHECK (end_reason IN ('command', 'idle'))
);
-- At most one running session per text channel.
CREATE UNIQUE INDEX game_sessions_running ON game_sessions (guild_id, channel_id) WHERE ended_at IS NULL;
CREATE INDEX game_sessions_by_game ON game_sessions (guild_id, game_key, id);

-- Append-only: an undo sets undone_at/undone_by and the row stays.
CREATE TABLE kill_ledger (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    player_id   bigint      NOT NULL,
    kind        smallint    NOT NULL CHECK (kind IN (0, 1)),
    count       integer     NOT NULL CHECK (count BETWEEN 1 AND 100),
    victim_id   bigint,
    note        text,
    recorded_by bigint      NOT NULL,
    recorded_at timestamptz NOT NULL,
    channel_id  bigint      NOT NULL,
    game        text,
    game_key    text,
    session_id  bigint REFERENCES game_sessions (id),
    season_id   bigint REFERENCES seasons (id),
    undone_at   timestamptz,
    undone_by   bigint
);
CREATE INDEX kill_ledger_by_guild ON kill_ledger (guild_id, id);
CREATE INDEX kill_ledger_by_player ON kill_ledger (guild_id, player_id, id);
CREATE INDEX kill_ledger_by_recorder ON kill_ledger (guild_id, recorded_by, id);
CREATE INDEX kill_ledger_by_time ON kill_ledger (guild_id, recorded_at);
-- Covers a player's whole counting ledger (/stats), their season total (/track) and a guild's
-- board totals grouped by player, without touching the table.
CREATE INDEX kill_ledger_tally ON kill_ledger
    (guild_id, player_id, kind, season_id, count, id, session_id, recorded_at, undone_at)
    WHERE undone_at IS NULL;
CREATE INDEX kill_ledger_by_session ON kill_ledger (guild_id, session_id) WHERE session_id IS NOT NULL;
