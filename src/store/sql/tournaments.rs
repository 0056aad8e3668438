//! [`TournamentStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Transaction, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::kills::KillKind;
use crate::domain::names::game_key;
use crate::domain::tournament::{Event, Format, Seeding, State};
use crate::store::codec::{kind_to_db, StoredId};
use crate::store::tournaments::{
    EntrantRecord, Joined, Left, LoggedEvent, NewTournament, TournamentRecord, TournamentStore,
};
use crate::store::StoreError;

/// The columns of `tournaments`, in the order [`record`] reads them.
const COLUMNS: &str = "id, guild_id, name, game, format, team_size, seeding, state, channel_id,
     created_by, created_at, started_at, ended_at";

/// A row of `tournaments` as [`COLUMNS`] lists it.
type Row<T> = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    T,
    Option<T>,
    Option<T>,
);

fn small(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn unreadable(what: &str, value: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("a tournament's {what} reads `{value}`").into(),
    ))
}

fn record<DB: Dialect>(row: Row<DB::Time>) -> Result<TournamentRecord, StoreError> {
    let time = |value: Option<DB::Time>| value.map(DB::time_from_db).transpose();
    Ok(TournamentRecord {
        id: row.0,
        settings: NewTournament {
            guild_id: GuildId::from_db(row.1),
            name: row.2,
            game: row.3,
            format: Format::from_key(&row.4).ok_or_else(|| unreadable("format", &row.4))?,
            team_size: small(row.5),
            seeding: Seeding::from_key(&row.6).ok_or_else(|| unreadable("seeding", &row.6))?,
            channel_id: ChannelId::from_db(row.8),
            created_by: UserId::from_db(row.9),
            created_at: DB::time_from_db(row.10)?,
        },
        state: State::from_key(&row.7).ok_or_else(|| unreadable("state", &row.7))?,
        started_at: time(row.11)?,
        ended_at: time(row.12)?,
    })
}

/// An event as its columns: kind, match number, seat, winner.
fn event_columns(event: &Event) -> (&'static str, Option<i64>, Option<i64>, Option<i64>) {
    let seat = |entrant: usize| i64::try_from(entrant).ok();
    match *event {
        Event::Report { number, by, winner } => {
            ("report", Some(i64::from(number)), seat(by), seat(winner))
        }
        Event::Decide { number, winner } => ("decide", Some(i64::from(number)), None, seat(winner)),
        Event::Withdraw { entrant } => ("withdraw", None, seat(entrant), None),
    }
}

fn event_from_columns(
    kind: &str,
    number: Option<i64>,
    seat: Option<i64>,
    winner: Option<i64>,
) -> Result<Event, StoreError> {
    let entrant = |value: Option<i64>| {
        value
            .and_then(|value| usize::try_from(value).ok())
            .ok_or_else(|| unreadable("event", kind))
    };
    let number = || {
        number
            .and_then(|value| u32::try_from(value).ok())
            .ok_or_else(|| unreadable("event", kind))
    };
    Ok(match kind {
        "report" => Event::Report {
            number: number()?,
            by: entrant(seat)?,
            winner: entrant(winner)?,
        },
        "decide" => Event::Decide {
            number: number()?,
            winner: entrant(winner)?,
        },
        "withdraw" => Event::Withdraw {
            entrant: entrant(seat)?,
        },
        other => return Err(unreadable("event", other)),
    })
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    /// Opens a write transaction holding the tournament's row; its state, or `None` when the
    /// server has no such tournament.
    async fn lock_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<(Transaction<'static, DB>, Option<State>), StoreError> {
        let mut tx = self.begin_write().await?;
        let state: Option<String> = sqlx::query_scalar(&format!(
            "SELECT state FROM tournaments WHERE guild_id = $1 AND id = $2{}",
            DB::FOR_UPDATE
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let state = state
            .map(|key| State::from_key(&key).ok_or_else(|| unreadable("state", &key)))
            .transpose()?;
        Ok((tx, state))
    }
}

#[async_trait]
impl<DB> TournamentStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    DB::Time: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    #[tracing::instrument(skip(self, new), fields(guild = %new.guild_id), err(level = "debug"))]
    async fn create_tournament(&self, new: &NewTournament) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM guilds WHERE id = $1")
            .bind(new.guild_id.to_db())
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::UnknownGuild(new.guild_id));
        }
        // The unique index on active tournaments turns a second one into no row.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO tournaments (guild_id, name, game, format, team_size, seeding, state,
                 channel_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(new.guild_id.to_db())
        .bind(new.name.as_str())
        .bind(new.game.clone())
        .bind(new.format.key())
        .bind(i64::from(new.team_size))
        .bind(new.seeding.key())
        .bind(new.channel_id.to_db())
        .bind(new.created_by.to_db())
        .bind(DB::time_to_db(new.created_at))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(id)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn latest_tournament(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<TournamentRecord>, StoreError> {
        let row: Option<Row<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tournaments WHERE guild_id = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        row.map(record::<DB>).transpose()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn tournament(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Option<TournamentRecord>, StoreError> {
        let row: Option<Row<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tournaments WHERE guild_id = $1 AND id = $2"
        ))
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(record::<DB>).transpose()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn tournament_entrants(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Vec<EntrantRecord>, StoreError> {
        let rows: Vec<(i64, i64, DB::Time, Option<i64>, Option<DB::Time>)> = sqlx::query_as(
            "SELECT entry, user_id, joined_at, seat, left_at FROM tournament_entrants
             WHERE guild_id = $1 AND tournament_id = $2 ORDER BY entry",
        )
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(entry, user, joined, seat, left)| {
                Ok(EntrantRecord {
                    entry: small(entry),
                    user_id: UserId::from_db(user),
                    joined_at: DB::time_from_db(joined)?,
                    seat: seat.map(small),
                    left_at: left.map(DB::time_from_db).transpose()?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn tournament_log(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        type EventRow<T> = (String, Option<i64>, Option<i64>, Option<i64>, i64, T);
        let rows: Vec<EventRow<DB::Time>> = sqlx::query_as(
            "SELECT kind, match_number, seat, winner, actor_id, at FROM tournament_events
             WHERE guild_id = $1 AND tournament_id = $2 ORDER BY seq",
        )
        .bind(guild_id.to_db())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(kind, number, seat, winner, actor, at)| {
                Ok(LoggedEvent {
                    event: event_from_columns(&kind, number, seat, winner)?,
                    actor: UserId::from_db(actor),
                    at: DB::time_from_db(at)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn join_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        user: UserId,
        at: DateTime<Utc>,
        most: u32,
    ) -> Result<Joined, StoreError> {
        let (mut tx, state) = self.lock_tournament(guild_id, id).await?;
        if state != Some(State::Open) {
            return Ok(Joined::Closed);
        }
        let (held, entered, last): (i64, i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) AS BIGINT),
                    MAX(entry)
             FROM tournament_entrants WHERE tournament_id = $1",
        )
        .bind(id)
        .bind(user.to_db())
        .fetch_one(&mut *tx)
        .await?;
        if entered > 0 {
            return Ok(Joined::Already);
        }
        if held >= i64::from(most) {
            return Ok(Joined::Full);
        }
        sqlx::query(
            "INSERT INTO tournament_entrants (tournament_id, guild_id, entry, user_id, joined_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(guild_id.to_db())
        .bind(last.unwrap_or(0) + 1)
        .bind(user.to_db())
        .bind(DB::time_to_db(at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(Joined::Joined(small(held + 1)))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn leave_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Left, StoreError> {
        let (mut tx, state) = self.lock_tournament(guild_id, id).await?;
        let left = match state {
            Some(State::Open) => {
                let done = sqlx::query(
                    "DELETE FROM tournament_entrants WHERE tournament_id = $1 AND user_id = $2",
                )
                .bind(id)
                .bind(user.to_db())
                .execute(&mut *tx)
                .await?;
                if DB::rows_affected(&done) == 0 {
                    Left::NotEntered
                } else {
                    Left::Withdrawn
                }
            }
            Some(State::Running) => {
                let seat: Option<Option<i64>> = sqlx::query_scalar(
                    "UPDATE tournament_entrants SET left_at = $3
                     WHERE tournament_id = $1 AND user_id = $2 AND left_at IS NULL
                     RETURNING seat",
                )
                .bind(id)
                .bind(user.to_db())
                .bind(DB::time_to_db(at))
                .fetch_optional(&mut *tx)
                .await?;
                seat.flatten()
                    .map_or(Left::NotEntered, |seat| Left::LeftSeat(small(seat)))
            }
            _ => Left::Closed,
        };
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(left)
    }

    #[tracing::instrument(skip(self, seats), err(level = "debug"))]
    async fn start_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        seats: &[(u32, UserId, u32)],
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (mut tx, state) = self.lock_tournament(guild_id, id).await?;
        if state != Some(State::Open) {
            return Ok(false);
        }
        // Entry numbers can be taken again after the last entrant leaves: the member matters too.
        let mut entries: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT entry, user_id FROM tournament_entrants WHERE tournament_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        entries.sort_unstable();
        let mut seated: Vec<(i64, i64)> = seats
            .iter()
            .map(|(entry, user, _)| (i64::from(*entry), user.to_db()))
            .collect();
        seated.sort_unstable();
        if entries != seated {
            return Ok(false);
        }
        for (entry, _, seat) in seats {
            sqlx::query(
                "UPDATE tournament_entrants SET seat = $3 WHERE tournament_id = $1 AND entry = $2",
            )
            .bind(id)
            .bind(i64::from(*entry))
            .bind(i64::from(*seat))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE tournaments SET state = 'running', started_at = $2 WHERE id = $1")
            .bind(id)
            .bind(DB::time_to_db(at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(true)
    }

    #[tracing::instrument(skip(self, event), err(level = "debug"))]
    async fn append_tournament_event(
        &self,
        guild_id: GuildId,
        id: i64,
        seq: u32,
        event: &LoggedEvent,
        finishes: bool,
    ) -> Result<bool, StoreError> {
        let (mut tx, state) = self.lock_tournament(guild_id, id).await?;
        if state != Some(State::Running) {
            return Ok(false);
        }
        let (kind, number, seat, winner) = event_columns(&event.event);
        let done = sqlx::query(
            "INSERT INTO tournament_events (tournament_id, guild_id, seq, kind, match_number, seat,
                 winner, actor_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(guild_id.to_db())
        .bind(i64::from(seq))
        .bind(kind)
        .bind(number)
        .bind(seat)
        .bind(winner)
        .bind(event.actor.to_db())
        .bind(DB::time_to_db(event.at))
        .execute(&mut *tx)
        .await?;
        if DB::rows_affected(&done) == 0 {
            return Ok(false);
        }
        if finishes {
            sqlx::query("UPDATE tournaments SET state = 'finished', ended_at = $2 WHERE id = $1")
                .bind(id)
                .bind(DB::time_to_db(event.at))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await.map_err(StoreError::from_commit)?;
        Ok(true)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn cancel_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tournaments SET state = 'cancelled', ended_at = $3
             WHERE guild_id = $1 AND id = $2 AND state IN ('open', 'running')",
        )
        .bind(guild_id.to_db())
        .bind(id)
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    #[tracing::instrument(skip(self, players), err(level = "debug"))]
    async fn kills_between(
        &self,
        guild_id: GuildId,
        players: &[UserId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        game: Option<&str>,
    ) -> Result<Vec<(UserId, u64)>, StoreError> {
        if players.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are numbers: written into the statement, they cannot carry SQL.
        let ids: Vec<String> = players
            .iter()
            .map(|player| player.to_db().to_string())
            .collect();
        let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT player_id, CAST(SUM(count) AS BIGINT) FROM kill_ledger
             WHERE guild_id = $1 AND player_id IN ({}) AND kind = $2 AND undone_at IS NULL
               AND recorded_at >= $3 AND recorded_at < $4
               AND (CAST($5 AS TEXT) IS NULL OR game_key = $5)
             GROUP BY player_id ORDER BY player_id",
            ids.join(", ")
        ))
        .bind(guild_id.to_db())
        .bind(kind_to_db(KillKind::Kill))
        .bind(DB::time_to_db(from))
        .bind(DB::time_to_db(to))
        .bind(game.map(game_key))
        .fetch_all(&self.pool)
        .await?;
        let totals = rows
            .into_iter()
            .filter_map(|(player, total)| {
                let total = u64::try_from(total).ok().filter(|total| *total > 0)?;
                Some((UserId::from_db(player), total))
            })
            .collect();
        Ok(totals)
    }
}
