//! [`SquadStore`] on SQLite: the kill ledger, sessions, seasons and game lists.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::domain::board::{BoardScope, Span, Standing};
use crate::domain::ids::{ChannelId, GuildId, InteractionId, UserId};
use crate::domain::kills::{LedgerEntry, NewEntry, Note, Tally};
use crate::domain::names::{game_key, GameName, SeasonName, SessionName, DEFAULT_GAMES};
use crate::store::normalize::{from_millis, to_millis};
use crate::store::records::{GameSession, Season, SessionEnd};
use crate::store::squad::{
    entry_from_row, folded_entry, prefixed, season_from_row, session_from_row, tally_from_row,
    HistoryPage, LedgerRow, Recorded, SeasonRow, SessionRow, SessionStart, SquadStore, TallyRow,
    LEDGER_COLUMNS, SEASON_COLUMNS, SESSION_COLUMNS, TALLY_COLUMNS,
};
use crate::store::StoreError;

fn entry(row: LedgerRow<i64>) -> Result<LedgerEntry, sqlx::Error> {
    entry_from_row(row, from_millis)
}

fn session(row: SessionRow<i64>) -> Result<GameSession, sqlx::Error> {
    session_from_row(row, from_millis)
}

fn season(row: SeasonRow<i64>) -> Result<Season, sqlx::Error> {
    season_from_row(row, from_millis)
}

impl SqliteStore {
    /// Lists the default games for a guild seen for the first time, inside the caller's
    /// transaction; a guild whose list was seeded once keeps whatever its managers made of it.
    pub(super) async fn seed_games(
        tx: &mut sqlx::SqliteConnection,
        guild_id: GuildId,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let seeded: Option<bool> =
            sqlx::query_scalar("SELECT games_seeded FROM guilds WHERE id = ?1")
                .bind(guild_id.to_db())
                .fetch_optional(&mut *tx)
                .await?;
        if seeded != Some(false) {
            return Ok(());
        }
        for game in DEFAULT_GAMES {
            sqlx::query(
                "INSERT INTO games (guild_id, name_key, name, added_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(guild_id.to_db())
            .bind(game_key(game))
            .bind(game)
            .bind(to_millis(at))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE guilds SET games_seeded = 1 WHERE id = ?1")
            .bind(guild_id.to_db())
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SquadStore for SqliteStore {
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn games(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM games WHERE guild_id = ?1 ORDER BY name_key")
                .bind(guild_id.to_db())
                .fetch_all(&self.pool)
                .await?,
        )
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn add_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = ?1)")
            .bind(guild_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let added = sqlx::query(
            "INSERT INTO games (guild_id, name_key, name, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(game.key())
        .bind(game.as_str())
        .bind(to_millis(Utc::now()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(added > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM games WHERE guild_id = ?1 AND name_key = ?2")
            .bind(guild_id.to_db())
            .bind(game.key())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), fields(guild = %new.guild_id, player = %new.player_id), err(level = "debug"))]
    async fn record_kill(&self, new: &NewEntry) -> Result<Recorded, StoreError> {
        let guild = new.guild_id.to_db();
        let mut tx = self.begin_write().await?;
        let context: Option<(Option<i64>, Option<String>, Option<i64>, Option<String>)> =
            sqlx::query_as(
            "SELECT
                 (SELECT id FROM game_sessions WHERE guild_id = ?1 AND channel_id = ?2 AND ended_at IS NULL),
                 (SELECT game FROM game_sessions WHERE guild_id = ?1 AND channel_id = ?2 AND ended_at IS NULL),
                 (SELECT id FROM seasons WHERE guild_id = ?1 AND ended_at IS NULL),
                 (SELECT name FROM seasons WHERE guild_id = ?1 AND ended_at IS NULL)
             FROM guilds WHERE id = ?1",
        )
        .bind(guild)
        .bind(new.channel_id.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((session_id, session_game, season_id, season_name)) = context else {
            return Err(StoreError::UnknownGuild(new.guild_id));
        };
        let game = new.game.clone().or(session_game);
        let at = to_millis(new.recorded_at);
        let request = new.request_id.map(InteractionId::to_db);
        let earlier: Option<LedgerRow<i64>> = match request {
            Some(request) => {
                sqlx::query_as(&format!(
                "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE guild_id = ?1 AND request_id = ?2"
            ))
                .bind(guild)
                .bind(request)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let replayed = earlier.is_some();
        let row: LedgerRow<i64> = if let Some(earlier) = earlier {
            earlier
        } else {
            let row: LedgerRow<i64> = sqlx::query_as(&format!(
            "INSERT INTO kill_ledger (guild_id, player_id, kind, count, victim_id, note, recorded_by,
                 recorded_at, channel_id, game, game_key, session_id, season_id, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             RETURNING {LEDGER_COLUMNS}"
        ))
        .bind(guild)
        .bind(new.player_id.to_db())
        .bind(new.kind.to_db())
        .bind(i64::from(new.count.get()))
        .bind(new.victim_id.map(UserId::to_db))
        .bind(new.note.as_ref().map(Note::as_str))
        .bind(new.recorded_by.to_db())
        .bind(at)
        .bind(new.channel_id.to_db())
        .bind(game.as_deref())
        .bind(game.as_deref().map(game_key))
        .bind(session_id)
        .bind(season_id)
        .bind(request)
        .fetch_one(&mut *tx)
        .await?;
            if let Some(session_id) = session_id {
                sqlx::query(
                "UPDATE game_sessions SET last_activity_at = MAX(last_activity_at, ?2) WHERE id = ?1",
            )
            .bind(session_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            }
            row
        };
        let season_total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(count), 0) FROM kill_ledger
             WHERE guild_id = ?1 AND player_id = ?2 AND kind = ?3 AND undone_at IS NULL
               AND (?4 IS NULL OR season_id = ?4)",
        )
        .bind(guild)
        .bind(new.player_id.to_db())
        .bind(new.kind.to_db())
        .bind(season_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(Recorded {
            entry: entry(row)?,
            season_total,
            season_name,
            replayed,
        })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn ledger_entry(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<LedgerRow<i64>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE guild_id = ?1 AND id = ?2"
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn last_entry_by(
        &self,
        guild_id: GuildId,
        recorded_by: UserId,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<LedgerRow<i64>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger
             WHERE guild_id = ?1 AND recorded_by = ?2 AND undone_at IS NULL
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(guild_id.to_db())
        .bind(recorded_by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn undo_entry(
        &self,
        guild_id: GuildId,
        id: i64,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<LedgerRow<i64>> = sqlx::query_as(&format!(
            "UPDATE kill_ledger SET undone_at = ?3, undone_by = ?4
             WHERE guild_id = ?1 AND id = ?2 AND undone_at IS NULL
             RETURNING {LEDGER_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .bind(to_millis(at))
        .bind(by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn history(
        &self,
        guild_id: GuildId,
        player: Option<UserId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE guild_id = "
        ));
        query.push_bind(guild_id.to_db());
        if let Some(player) = player {
            query.push(" AND player_id = ").push_bind(player.to_db());
        }
        if let Some(before) = before {
            query.push(" AND id < ").push_bind(before);
        }
        query
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows: Vec<LedgerRow<i64>> = query.build_query_as().fetch_all(&self.pool).await?;
        let mut entries = rows.into_iter().map(entry).collect::<Result<Vec<_>, _>>()?;
        let has_older = entries.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(HistoryPage { entries, has_older })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn player_tallies(
        &self,
        guild_id: GuildId,
        player: UserId,
    ) -> Result<Vec<Tally>, StoreError> {
        let rows: Vec<TallyRow<i64>> = sqlx::query_as(&format!(
            "SELECT {TALLY_COLUMNS} FROM kill_ledger
             WHERE guild_id = ?1 AND player_id = ?2 AND undone_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .bind(player.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| tally_from_row(row, from_millis))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn board_totals(
        &self,
        guild_id: GuildId,
        board: &BoardScope,
    ) -> Result<Vec<Standing>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT player_id, SUM(count) FROM kill_ledger WHERE undone_at IS NULL AND guild_id = ",
        );
        query.push_bind(guild_id.to_db());
        query.push(" AND kind = ").push_bind(board.kind.to_db());
        match board.span {
            Span::AllTime => {}
            Span::Season(id) => {
                query.push(" AND season_id = ").push_bind(id);
            }
            Span::Since(_) => {
                let since = board.span.since().map_or(i64::MIN, to_millis);
                query.push(" AND recorded_at >= ").push_bind(since);
            }
        }
        if let Some(game) = &board.game {
            query.push(" AND game_key = ").push_bind(game.clone());
        }
        query.push(" GROUP BY player_id");
        let rows: Vec<(i64, i64)> = query.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(player, total)| Standing {
                player: UserId::from_db(player),
                total,
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn folded_entries(
        &self,
        guild_id: GuildId,
        season: Option<i64>,
        since: Option<DateTime<Utc>>,
        game: Option<&str>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT player_id, kind, MAX(game), session_id, SUM(count), MIN(recorded_at)
             FROM kill_ledger WHERE undone_at IS NULL AND guild_id = ",
        );
        query.push_bind(guild_id.to_db());
        if let Some(season) = season {
            query.push(" AND season_id = ").push_bind(season);
        }
        if let Some(since) = since {
            query
                .push(" AND recorded_at >= ")
                .push_bind(to_millis(since));
        }
        if let Some(game) = game {
            query.push(" AND game_key = ").push_bind(game_key(game));
        }
        query.push(" GROUP BY player_id, kind, game_key, session_id");
        let rows: Vec<(i64, i64, Option<String>, Option<i64>, i64, i64)> =
            query.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(player, kind, game, session, count, first)| {
                folded_entry(
                    guild_id,
                    (player, kind, game, session, count, from_millis(first)?),
                )
            })
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn start_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        game: Option<&GameName>,
        name: Option<&SessionName>,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<SessionStart, StoreError> {
        let mut tx = self.begin_write().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = ?1)")
            .bind(guild_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let started: Option<SessionRow<i64>> = sqlx::query_as(&format!(
            "INSERT INTO game_sessions (guild_id, channel_id, game, game_key, name, started_by,
                 started_at, last_activity_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT DO NOTHING
             RETURNING {SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(game.map(GameName::as_str))
        .bind(game.map(GameName::key))
        .bind(name.map(SessionName::as_str))
        .bind(by.to_db())
        .bind(to_millis(at))
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = if let Some(row) = started {
            SessionStart::Started(session(row)?)
        } else {
            let running: SessionRow<i64> = sqlx::query_as(&format!(
                "SELECT {SESSION_COLUMNS} FROM game_sessions
                 WHERE guild_id = ?1 AND channel_id = ?2 AND ended_at IS NULL"
            ))
            .bind(guild_id.to_db())
            .bind(channel_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
            SessionStart::AlreadyRunning(session(running)?)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn running_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
    ) -> Result<Option<GameSession>, StoreError> {
        let row: Option<SessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM game_sessions
             WHERE guild_id = ?1 AND channel_id = ?2 AND ended_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn end_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        by: Option<UserId>,
        at: DateTime<Utc>,
        reason: SessionEnd,
    ) -> Result<Option<GameSession>, StoreError> {
        let row: Option<SessionRow<i64>> = sqlx::query_as(&format!(
            "UPDATE game_sessions SET ended_at = ?3, ended_by = ?4, end_reason = ?5
             WHERE guild_id = ?1 AND channel_id = ?2 AND ended_at IS NULL
               AND last_activity_at <= ?3
             RETURNING {SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(to_millis(at))
        .bind(by.map(UserId::to_db))
        .bind(reason.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn session_entries(
        &self,
        guild_id: GuildId,
        session_id: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows: Vec<LedgerRow<i64>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger
             WHERE guild_id = ?1 AND session_id = ?2 AND undone_at IS NULL ORDER BY id"
        ))
        .bind(guild_id.to_db())
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(entry).collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn previous_session(
        &self,
        guild_id: GuildId,
        current: &GameSession,
    ) -> Result<Option<GameSession>, StoreError> {
        let row: Option<SessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM game_sessions
             WHERE guild_id = ?1 AND game_key IS ?2 AND id < ?3 AND ended_at IS NOT NULL
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(guild_id.to_db())
        .bind(current.game.as_deref().map(game_key))
        .bind(current.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn idle_sessions(&self, now: DateTime<Utc>) -> Result<Vec<GameSession>, StoreError> {
        let rows: Vec<SessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {} FROM game_sessions s
             LEFT JOIN guild_settings g ON g.guild_id = s.guild_id
             WHERE s.ended_at IS NULL
               AND s.last_activity_at < ?1 - COALESCE(g.session_idle_minutes, 360) * 60000
             ORDER BY s.id",
            prefixed(SESSION_COLUMNS, "s.")
        ))
        .bind(to_millis(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(session).collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn start_season(
        &self,
        guild_id: GuildId,
        name: &SeasonName,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(Season, Option<Season>), StoreError> {
        let mut tx = self.begin_write().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = ?1)")
            .bind(guild_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let ended: Option<SeasonRow<i64>> = sqlx::query_as(&format!(
            "UPDATE seasons SET ended_at = ?2, ended_by = ?3
             WHERE guild_id = ?1 AND ended_at IS NULL RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(to_millis(at))
        .bind(by.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        let started: SeasonRow<i64> = sqlx::query_as(&format!(
            "INSERT INTO seasons (guild_id, name, started_at, started_by) VALUES (?1, ?2, ?3, ?4)
             RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(name.as_str())
        .bind(to_millis(at))
        .bind(by.to_db())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((season(started)?, ended.map(season).transpose()?))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn end_season(
        &self,
        guild_id: GuildId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<Season>, StoreError> {
        let ended: Option<SeasonRow<i64>> = sqlx::query_as(&format!(
            "UPDATE seasons SET ended_at = ?2, ended_by = ?3
             WHERE guild_id = ?1 AND ended_at IS NULL RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(to_millis(at))
        .bind(by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(ended.map(season).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn running_season(&self, guild_id: GuildId) -> Result<Option<Season>, StoreError> {
        let row: Option<SeasonRow<i64>> = sqlx::query_as(&format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = ?1 AND ended_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(season).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn seasons(&self, guild_id: GuildId) -> Result<Vec<Season>, StoreError> {
        let rows: Vec<SeasonRow<i64>> = sqlx::query_as(&format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = ?1 ORDER BY id DESC"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(season).collect::<Result<_, _>>()?)
    }
}
