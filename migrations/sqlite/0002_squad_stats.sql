-- Squad stats: the kill ledger, game sessions, seasons, each guild's game list, and the settings
-- that govern who may track and how the bot reacts. Same conventions as 0001.

ALTER TABLE guilds ADD COLUMN games_seeded INTEGER NOT NULL DEFAULT 0 CHECK (games_seeded IN (0, 1));

-- Who may /track: 'everyone', 'role' (tracker_role_id) or 'managers'.
ALTER TABLE guild_settings ADD COLUMN tracker_access TEXT NOT NULL DEFAULT 'everyone'
    CHECK (tracker_access IN ('everyone', 'role', 'managers'));
ALTER TABLE guild_settings ADD COLUMN tracker_role_id INTEGER;
-- The reaction added to /track replies: a unicode emoji or a custom one as name:id.
ALTER TABLE guild_settings ADD COLUMN reaction_emoji TEXT;
ALTER TABLE guild_settings ADD COLUMN session_idle_minutes INTEGER NOT NULL DEFAULT 360
    CHECK (session_idle_minutes > 0);

CREATE TABLE games (
    guild_id INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name_key TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name_key)
) STRICT;

CREATE TABLE seasons (
    id         INTEGER NOT NULL PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    started_by INTEGER NOT NULL,
    ended_at   INTEGER,
    ended_by   INTEGER
) STRICT;
-- At most one running season per guild.
CREATE UNIQUE INDEX seasons_running ON seasons (guild_id) WHERE ended_at IS NULL;
CREATE INDEX seasons_by_guild ON seasons (guild_id, id);

CREATE TABLE game_sessions (
    id               INTEGER NOT NULL PRIMARY KEY,
    guild_id         INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL,
    game             TEXT,
    game_key         TEXT,
    name             TEXT,
    started_by       INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    ended_at         INTEGER,
    ended_by         INTEGER,
    end_reason       TEXT CHECK (end_reason IN ('command', 'idle'))
) STRICT;
-- At most one running session per text channel.
CREATE UNIQUE INDEX game_sessions_running ON game_sessions (guild_id, channel_id) WHERE ended_at IS NULL;
CREATE INDEX game_sessions_by_game ON game_sessions (guild_id, game_key, id);

-- Append-only: an undo sets undone_at/undone_by and the row stays.
CREATE TABLE kill_ledger (
    id          INTEGER NOT NULL PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    player_id   INTEGER NOT NULL,
    kind        INTEGER NOT NULL CHECK (kind IN (0, 1)),
    count       INTEGER NOT NULL CHECK (count BETWEEN 1 AND 100),
    victim_id   INTEGER,
    note        TEXT,
    recorded_by INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    game        TEXT,
    game_key    TEXT,
    session_id  INTEGER REFERENCES game_sessions (id),
    season_id   INTEGER REFERENCES seasons (id),
    undone_at   INTEGER,
    undone_by   INTEGER
) STRICT;
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
