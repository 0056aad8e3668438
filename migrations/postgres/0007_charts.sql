-- Moderator charts: which charts a server's managers opened to every member. chart is a chart's
-- name ('community', 'duo', ...) or 'all'. No row: only managers may draw the charts.

CREATE TABLE open_charts (
    guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    chart    TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, chart)
);
