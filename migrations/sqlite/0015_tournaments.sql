-- Tournaments (src/domain/tournament.rs). A tournament row holds its settings and where it
-- stands; its entrants are numbered in the order they joined (`entry`) and get their seat (seed,
-- from 0; a team's members share one) when it starts. What happened after the start is an
-- append-only log, numbered per tournament: the bracket is rebuilt by replaying it, and two
-- processes appending at once cannot both take the same number.
CREATE TABLE tournaments (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    game       TEXT,
    format     TEXT    NOT NULL CHECK (format IN ('single-elimination', 'round-robin')),
    team_size  INTEGER NOT NULL CHECK (team_size BETWEEN 1 AND 5),
    seeding    TEXT    NOT NULL CHECK (seeding IN ('random', 'kills')),
    state      TEXT    NOT NULL CHECK (state IN ('open', 'running', 'finished', 'cancelled')),
    channel_id INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at   INTEGER
) STRICT;
-- One tournament open or running per server at a time: commands need not name it.
CREATE UNIQUE INDEX tournaments_one_active ON tournaments (guild_id)
    WHERE state IN ('open', 'running');
CREATE INDEX tournaments_by_guild ON tournaments (guild_id, id);

CREATE TABLE tournament_entrants (
    tournament_id INTEGER NOT NULL REFERENCES tournaments (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    entry         INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    joined_at     INTEGER NOT NULL,
    seat          INTEGER,
    left_at       INTEGER,
    PRIMARY KEY (tournament_id, entry)
) STRICT;
-- Erased members all become user 0, so only real members are unique.
CREATE UNIQUE INDEX tournament_entrants_once ON tournament_entrants (tournament_id, user_id)
    WHERE user_id <> 0;
CREATE INDEX tournament_entrants_by_member ON tournament_entrants (guild_id, user_id);

CREATE TABLE tournament_events (
    tournament_id INTEGER NOT NULL REFERENCES tournaments (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('report', 'decide', 'withdraw')),
    match_number  INTEGER,
    seat          INTEGER,
    winner        INTEGER,
    actor_id      INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (tournament_id, seq)
) STRICT;
