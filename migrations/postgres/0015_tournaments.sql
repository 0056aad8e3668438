-- Tournaments (src/domain/tournament.rs). A tournament row holds its settings and where it
-- stands; its entrants are numbered in the order they joined (`entry`) and get their seat (seed,
-- from 0; a team's members share one) when it starts. What happened after the start is an
-- append-only log, numbered per tournament: the bracket is rebuilt by replaying it, and two
-- processes appending at once cannot both take the same number.
CREATE TABLE tournaments (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       text NOT NULL,
    game       text,
    format     text NOT NULL CHECK (format IN ('single-elimination', 'round-robin')),
    team_size  bigint NOT NULL CHECK (team_size BETWEEN 1 AND 5),
    seeding    text NOT NULL CHECK (seeding IN ('random', 'kills')),
    state      text NOT NULL CHECK (state IN ('open', 'running', 'finished', 'cancelled')),
    channel_id bigint NOT NULL,
    created_by bigint NOT NULL,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    ended_at   timestamptz
);
-- One tournament open or running per server at a time: commands need not name it.
CREATE UNIQUE INDEX tournaments_one_active ON tournaments (guild_id)
    WHERE state IN ('open', 'running');
CREATE INDEX tournaments_by_guild ON tournaments (guild_id, id);

CREATE TABLE tournament_entrants (
    tournament_id bigint NOT NULL REFERENCES tournaments (id) ON DELETE CASCADE,
    guild_id      bigint NOT NULL,
    entry         bigint NOT NULL,
    user_id       bigint NOT NULL,
    joined_at     timestamptz NOT NULL,
    seat          bigint,
    left_at       timestamptz,
    PRIMARY KEY (tournament_id, entry)
);
-- Erased members all become user 0, so only real members are unique.
CREATE UNIQUE INDEX tournament_entrants_once ON tournament_entrants (tournament_id, user_id)
    WHERE user_id <> 0;
CREATE INDEX tournament_entrants_by_member ON tournament_entrants (guild_id, user_id);

CREATE TABLE tournament_events (
    tournament_id bigint NOT NULL REFERENCES tournaments (id) ON DELETE CASCADE,
    guild_id      bigint NOT NULL,
    seq           bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('report', 'decide', 'withdraw')),
    match_number  bigint,
    seat          bigint,
    winner        bigint,
    actor_id      bigint NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (tournament_id, seq)
);
