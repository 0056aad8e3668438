-- An achievements check asks who recorded the first counting kill of each season the member
-- killed in: one index step per season instead of a walk through the season's entries.
CREATE INDEX kill_ledger_first_kills ON kill_ledger (guild_id, season_id, recorded_at, id)
    WHERE kind = 0 AND undone_at IS NULL;
