//! [`SquadStore`] for both databases: the kill ledger, sessions, seasons and game lists.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::board::{BoardScope, Span, Standing};
use crate::domain::ids::{ChannelId, GuildId, InteractionId, UserId};
use crate::domain::kills::{LedgerEntry, NewEntry, Note, Tally};
use crate::domain::names::{game_key, GameName, SeasonName, SessionName, DEFAULT_GAMES};
use crate::store::codec::{kind_to_db, StoredId};
use crate::store::records::{GameSession, Season, SessionEnd};
use crate::store::squad::{
    entry_from_row, folded_entry, prefixed, season_from_row, session_from_row, tally_from_row,
    HistoryPage, LedgerRow, Recorded, SeasonRow, SessionRow, SessionStart, SquadStore, TallyRow,
    LEDGER_COLUMNS, SEASON_COLUMNS, SESSION_COLUMNS, TALLY_COLUMNS,
};
use crate::store::StoreError;

fn entry<DB: Dialect>(row: LedgerRow<DB::Time>) -> Result<LedgerEntry, sqlx::Error> {
    entry_from_row(row, DB::time_from_db)
}

fn session<DB: Dialect>(row: SessionRow<DB::Time>) -> Result<GameSession, sqlx::Error> {
    session_from_row(row, DB::time_from_db)
}

fn season<DB: Dialect>(row: SeasonRow<DB::Time>) -> Result<Season, sqlx::Error> {
    season_from_row(row, DB::time_from_db)
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    for<'a> Option<&'a str>: Type<DB> + Encode<'a, DB>,
{
    /// Whether the guild has a row, inside the caller's transaction.
    pub(super) async fn guild_known(
        tx: &mut DB::Connection,
        guild_id: GuildId,
    ) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = $1)")
            .bind(guild_id.to_db())
            .fetch_one(tx)
            .await
    }

    /// Lists the default games for a guild seen for the first time, inside the caller's
    /// transaction; a guild whose list was seeded once keeps whatever its managers made of it.
    pub(super) async fn seed_games(
        tx: &mut DB::Connection,
        guild_id: GuildId,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let seeded: Option<bool> =
            sqlx::query_scalar("SELECT games_seeded FROM guilds WHERE id = $1")
                .bind(guild_id.to_db())
                .fetch_optional(&mut *tx)
                .await?;
        if seeded != Some(false) {
            return Ok(());
        }
        for game in DEFAULT_GAMES {
            sqlx::query(
                "INSERT INTO games (guild_id, name_key, name, added_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(guild_id.to_db())
            .bind(game_key(game))
            .bind(game)
            .bind(DB::time_to_db(at))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE guilds SET games_seeded = true WHERE id = $1")
            .bind(guild_id.to_db())
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl<DB> SquadStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    for<'a> Option<&'a str>: Type<DB> + Encode<'a, DB>,
{
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn games(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM games WHERE guild_id = $1 ORDER BY name_key")
                .bind(guild_id.to_db())
                .fetch_all(&self.pool)
                .await?,
        )
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn add_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let added = sqlx::query(
            "INSERT INTO games (guild_id, name_key, name, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(game.key())
        .bind(game.as_str())
        .bind(DB::time_to_db(Utc::now()))
        .execute(&mut *tx)
        .await
        .map(|done| DB::rows_affected(&done))?;
        tx.commit().await?;
        Ok(added > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM games WHERE guild_id = $1 AND name_key = $2")
            .bind(guild_id.to_db())
            .bind(game.key())
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), fields(guild = %new.guild_id, player = %new.player_id), err(level = "debug"))]
    async fn record_kill(&self, new: &NewEntry) -> Result<Recorded, StoreError> {
        let guild = new.guild_id.to_db();
        let mut tx = self.begin_write().await?;
        let context: Option<(Option<i64>, Option<String>, Option<i64>, Option<String>)> =
            sqlx::query_as(
            "SELECT
                 (SELECT id FROM game_sessions WHERE guild_id = $1 AND channel_id = $2 AND ended_at IS NULL),
                 (SELECT game FROM game_sessions WHERE guild_id = $1 AND channel_id = $2 AND ended_at IS NULL),
                 (SELECT id FROM seasons WHERE guild_id = $1 AND ended_at IS NULL),
                 (SELECT name FROM seasons WHERE guild_id = $1 AND ended_at IS NULL)
             FROM guilds WHERE id = $1",
        )
        .bind(guild)
        .bind(new.channel_id.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((session_id, session_game, season_id, season_name)) = context else {
            return Err(StoreError::UnknownGuild(new.guild_id));
        };
        let game = new.game.clone().or(session_game);
        let at = DB::time_to_db(new.recorded_at);
        let request = new.request_id.map(InteractionId::to_db);
        let earlier: Option<LedgerRow<DB::Time>> = match request {
            Some(request) => {
                sqlx::query_as(&format!(
                "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE guild_id = $1 AND request_id = $2"
            ))
                .bind(guild)
                .bind(request)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let replayed = earlier.is_some();
        let row: LedgerRow<DB::Time> = if let Some(earlier) = earlier {
            earlier
        } else {
            let row: LedgerRow<DB::Time> = sqlx::query_as(&format!(
            "INSERT INTO kill_ledger (guild_id, player_id, kind, count, victim_id, note, recorded_by,
                 recorded_at, channel_id, game, game_key, session_id, season_id, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             RETURNING {LEDGER_COLUMNS}"
        ))
        .bind(guild)
        .bind(new.player_id.to_db())
        .bind(kind_to_db(new.kind))
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
                &format!(
                    "UPDATE game_sessions SET last_activity_at = {}(last_activity_at, $2) WHERE id = $1",
                    DB::GREATEST
                ),
            )
            .bind(session_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            }
            row
        };
        let season_total: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM kill_ledger
             WHERE guild_id = $1 AND player_id = $2 AND kind = $3 AND undone_at IS NULL
               AND (CAST($4 AS BIGINT) IS NULL OR season_id = $4)",
        )
        .bind(guild)
        .bind(new.player_id.to_db())
        .bind(kind_to_db(new.kind))
        .bind(season_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(Recorded {
            entry: entry::<DB>(row)?,
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
        let row: Option<LedgerRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE guild_id = $1 AND id = $2"
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn last_entry_by(
        &self,
        guild_id: GuildId,
        recorded_by: UserId,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<LedgerRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger
             WHERE guild_id = $1 AND recorded_by = $2 AND undone_at IS NULL
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(guild_id.to_db())
        .bind(recorded_by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn undo_entry(
        &self,
        guild_id: GuildId,
        id: i64,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<LedgerRow<DB::Time>> = sqlx::query_as(&format!(
            "UPDATE kill_ledger SET undone_at = $3, undone_by = $4
             WHERE guild_id = $1 AND id = $2 AND undone_at IS NULL
             RETURNING {LEDGER_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .bind(DB::time_to_db(at))
        .bind(by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(entry::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn history(
        &self,
        guild_id: GuildId,
        player: Option<UserId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, StoreError> {
        // Filters are added only when given, so each shape of the query keeps its own plan.
        let mut filters = vec!["guild_id = $1".to_owned()];
        if player.is_some() {
            filters.push(format!("player_id = ${}", filters.len() + 1));
        }
        if before.is_some() {
            filters.push(format!("id < ${}", filters.len() + 1));
        }
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger WHERE {} ORDER BY id DESC LIMIT ${}",
            filters.join(" AND "),
            filters.len() + 1
        );
        let mut query = sqlx::query_as(&sql).bind(guild_id.to_db());
        if let Some(player) = player {
            query = query.bind(player.to_db());
        }
        if let Some(before) = before {
            query = query.bind(before);
        }
        let rows: Vec<LedgerRow<DB::Time>> = query
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut entries = rows
            .into_iter()
            .map(entry::<DB>)
            .collect::<Result<Vec<_>, _>>()?;
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
        let rows: Vec<TallyRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {TALLY_COLUMNS} FROM kill_ledger
             WHERE guild_id = $1 AND player_id = $2 AND undone_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .bind(player.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| tally_from_row(row, DB::time_from_db))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn board_totals(
        &self,
        guild_id: GuildId,
        board: &BoardScope,
    ) -> Result<Vec<Standing>, StoreError> {
        // Entries of members who erased their data count for the squad, on no one's board
        // (`BoardScope::includes`).
        let mut sql = "SELECT player_id, CAST(SUM(count) AS BIGINT) FROM kill_ledger
             WHERE undone_at IS NULL AND guild_id = $1 AND kind = $2 AND player_id <> 0"
            .to_owned();
        match board.span {
            Span::AllTime => {}
            Span::Season(_) => sql.push_str(" AND season_id = $3"),
            Span::Since(_) => sql.push_str(" AND recorded_at >= $3"),
        }
        if board.game.is_some() {
            sql.push_str(if matches!(board.span, Span::AllTime) {
                " AND game_key = $3"
            } else {
                " AND game_key = $4"
            });
        }
        sql.push_str(" GROUP BY player_id");
        let mut query = sqlx::query_as(&sql)
            .bind(guild_id.to_db())
            .bind(kind_to_db(board.kind));
        match board.span {
            Span::AllTime => {}
            Span::Season(id) => query = query.bind(id),
            Span::Since(_) => {
                let since = board.span.since().unwrap_or(DateTime::<Utc>::MIN_UTC);
                query = query.bind(DB::time_to_db(since));
            }
        }
        if let Some(game) = &board.game {
            query = query.bind(game.clone());
        }
        let rows: Vec<(i64, i64)> = query.fetch_all(&self.pool).await?;
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
        let mut sql = "SELECT player_id, CAST(kind AS BIGINT), MAX(game), session_id,
                    CAST(SUM(count) AS BIGINT), MIN(recorded_at)
             FROM kill_ledger WHERE undone_at IS NULL AND guild_id = $1"
            .to_owned();
        for (given, column) in [
            (season.is_some(), "season_id ="),
            (since.is_some(), "recorded_at >="),
            (game.is_some(), "game_key ="),
        ] {
            if given {
                let next = sql.matches('$').count() + 1;
                sql.push_str(" AND ");
                sql.push_str(column);
                sql.push_str(" $");
                sql.push_str(&next.to_string());
            }
        }
        sql.push_str(" GROUP BY player_id, kind, game_key, session_id");
        let mut query = sqlx::query_as(&sql).bind(guild_id.to_db());
        if let Some(season) = season {
            query = query.bind(season);
        }
        if let Some(since) = since {
            query = query.bind(DB::time_to_db(since));
        }
        if let Some(game) = game {
            query = query.bind(game_key(game));
        }
        let rows: Vec<(i64, i64, Option<String>, Option<i64>, i64, DB::Time)> =
            query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(player, kind, game, session, count, first)| {
                folded_entry(
                    guild_id,
                    (player, kind, game, session, count, DB::time_from_db(first)?),
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
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let started: Option<SessionRow<DB::Time>> = sqlx::query_as(&format!(
            "INSERT INTO game_sessions (guild_id, channel_id, game, game_key, name, started_by,
                 started_at, last_activity_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT DO NOTHING
             RETURNING {SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(game.map(GameName::as_str))
        .bind(game.map(GameName::key))
        .bind(name.map(SessionName::as_str))
        .bind(by.to_db())
        .bind(DB::time_to_db(at))
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = if let Some(row) = started {
            SessionStart::Started(session::<DB>(row)?)
        } else {
            let running: SessionRow<DB::Time> = sqlx::query_as(&format!(
                "SELECT {SESSION_COLUMNS} FROM game_sessions
                 WHERE guild_id = $1 AND channel_id = $2 AND ended_at IS NULL"
            ))
            .bind(guild_id.to_db())
            .bind(channel_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
            SessionStart::AlreadyRunning(session::<DB>(running)?)
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
        let row: Option<SessionRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM game_sessions
             WHERE guild_id = $1 AND channel_id = $2 AND ended_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session::<DB>).transpose()?)
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
        let row: Option<SessionRow<DB::Time>> = sqlx::query_as(&format!(
            "UPDATE game_sessions SET ended_at = $3, ended_by = $4, end_reason = $5
             WHERE guild_id = $1 AND channel_id = $2 AND ended_at IS NULL
               AND last_activity_at <= $3
             RETURNING {SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(DB::time_to_db(at))
        .bind(by.map(UserId::to_db))
        .bind(reason.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn session_entries(
        &self,
        guild_id: GuildId,
        session_id: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows: Vec<LedgerRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {LEDGER_COLUMNS} FROM kill_ledger
             WHERE guild_id = $1 AND session_id = $2 AND undone_at IS NULL ORDER BY id"
        ))
        .bind(guild_id.to_db())
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(entry::<DB>)
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn previous_session(
        &self,
        guild_id: GuildId,
        current: &GameSession,
    ) -> Result<Option<GameSession>, StoreError> {
        let row: Option<SessionRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM game_sessions
             WHERE guild_id = $1 AND game_key {} $2 AND id < $3 AND ended_at IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            DB::NULL_SAFE_EQ
        ))
        .bind(guild_id.to_db())
        .bind(current.game.as_deref().map(game_key))
        .bind(current.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(session::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn idle_sessions(&self, now: DateTime<Utc>) -> Result<Vec<GameSession>, StoreError> {
        let rows: Vec<SessionRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {} FROM game_sessions s
             LEFT JOIN guild_settings g ON g.guild_id = s.guild_id
             WHERE s.ended_at IS NULL
               AND {} < $1
             ORDER BY s.id",
            prefixed(SESSION_COLUMNS, "s."),
            DB::plus_minutes(
                "s.last_activity_at",
                "COALESCE(g.session_idle_minutes, 360)"
            )
        ))
        .bind(DB::time_to_db(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(session::<DB>)
            .collect::<Result<_, _>>()?)
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
        // The guild's row is locked so that two season starts run one after the other.
        let known: bool = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM guilds WHERE id = $1{})",
            DB::FOR_UPDATE
        ))
        .bind(guild_id.to_db())
        .fetch_one(&mut *tx)
        .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let ended: Option<SeasonRow<DB::Time>> = sqlx::query_as(&format!(
            "UPDATE seasons SET ended_at = $2, ended_by = $3
             WHERE guild_id = $1 AND ended_at IS NULL RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(at))
        .bind(by.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        let started: SeasonRow<DB::Time> = sqlx::query_as(&format!(
            "INSERT INTO seasons (guild_id, name, started_at, started_by) VALUES ($1, $2, $3, $4)
             RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(name.as_str())
        .bind(DB::time_to_db(at))
        .bind(by.to_db())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((season::<DB>(started)?, ended.map(season::<DB>).transpose()?))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn end_season(
        &self,
        guild_id: GuildId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<Season>, StoreError> {
        let ended: Option<SeasonRow<DB::Time>> = sqlx::query_as(&format!(
            "UPDATE seasons SET ended_at = $2, ended_by = $3
             WHERE guild_id = $1 AND ended_at IS NULL RETURNING {SEASON_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(at))
        .bind(by.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(ended.map(season::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn running_season(&self, guild_id: GuildId) -> Result<Option<Season>, StoreError> {
        let row: Option<SeasonRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = $1 AND ended_at IS NULL"
        ))
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(season::<DB>).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn seasons(&self, guild_id: GuildId) -> Result<Vec<Season>, StoreError> {
        let rows: Vec<SeasonRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = $1 ORDER BY id DESC"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(season::<DB>)
            .collect::<Result<_, _>>()?)
    }
}
