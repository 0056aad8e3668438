//! [`ExportStore`] for both databases: one statement per export, streamed from a task through
//! a bounded channel.

use chrono::{DateTime, Days, NaiveDate, Utc};
use futures::StreamExt;
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Row, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::csv::Field;
use crate::domain::ids::GuildId;
use crate::store::codec::StoredId;
use crate::store::exports::{ExportRows, ExportStore, ExportTable, Kind};
use crate::store::StoreError;

/// Rows the reading task may be ahead of the consumer: memory stays flat however many rows an
/// export has, and the database is read in large steps.
const BUFFER_ROWS: usize = 4_096;

/// The statement of `table`: `$1` the guild, `$2` and `$3` the period, `$4` the epoch days are
/// counted from (only where named). Rows come in time order, the order of the (guild, time)
/// indexes the period is read through, so the database never sorts a whole table.
fn statement<DB: Dialect>(table: ExportTable) -> String {
    match table {
        ExportTable::Ledger => "SELECT id, recorded_at, player_id,
                    CASE kind WHEN 0 THEN 'kill' ELSE 'team kill' END, CAST(count AS BIGINT),
                    victim_id, game, session_id, season_id, recorded_by, channel_id, note,
                    undone_at, undone_by
             FROM kill_ledger
             WHERE guild_id = $1 AND recorded_at >= $2 AND recorded_at < $3
             ORDER BY recorded_at, id"
            .to_owned(),
        ExportTable::Players => "SELECT player_id,
                    CAST(SUM(CASE WHEN kind = 0 THEN count ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN kind = 1 THEN count ELSE 0 END) AS BIGINT),
                    CAST(COUNT(*) AS BIGINT)
             FROM kill_ledger
             WHERE guild_id = $1 AND recorded_at >= $2 AND recorded_at < $3
               AND undone_at IS NULL AND player_id <> 0
             GROUP BY player_id ORDER BY player_id"
            .to_owned(),
        ExportTable::Sessions => "SELECT s.id, s.name, s.game, s.channel_id, s.started_at,
                    s.started_by, s.ended_at, s.ended_by, s.end_reason,
                    CAST(COALESCE(SUM(CASE WHEN k.kind = 0 THEN k.count END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN k.kind = 1 THEN k.count END), 0) AS BIGINT)
             FROM game_sessions AS s
             LEFT JOIN kill_ledger AS k
                 ON k.guild_id = s.guild_id AND k.session_id = s.id AND k.undone_at IS NULL
             WHERE s.guild_id = $1 AND s.started_at >= $2 AND s.started_at < $3
             GROUP BY s.id ORDER BY s.id"
            .to_owned(),
        ExportTable::Voice => format!(
            "SELECT id, user_id, channel_id, joined_at, left_at, {} / 1000, afk
             FROM voice_sessions
             WHERE guild_id = $1 AND joined_at >= $2 AND joined_at < $3 ORDER BY joined_at, id",
            DB::millis_between("joined_at", "left_at")
        ),
        ExportTable::Daily => {
            let day = format!("{} / 86400000", DB::millis_between("$4", "hour"));
            let period = "guild_id = $1 AND hour >= $2 AND hour < $3";
            format!(
                "SELECT d, user_id, CAST(SUM(m) AS BIGINT), CAST(SUM(r) AS BIGINT),
                        CAST(SUM(e) AS BIGINT), CAST(SUM(c) AS BIGINT)
                 FROM (
                     SELECT {day} AS d, user_id, messages AS m, 0 AS r, 0 AS e, 0 AS c
                     FROM message_rollups WHERE {period}
                     UNION ALL
                     SELECT {day}, user_id, 0, reactions_added, in_messages, 0
                     FROM emoji_rollups WHERE {period}
                     UNION ALL
                     SELECT {day}, user_id, 0, 0, 0, uses FROM app_rollups WHERE {period}
                 ) AS activity
                 GROUP BY d, user_id ORDER BY d, user_id"
            )
        }
        ExportTable::Invites => {
            "SELECT joined_at, user_id, source, invite_code, inviter_id, left_at
             FROM member_joins
             WHERE guild_id = $1 AND joined_at >= $2 AND joined_at < $3 ORDER BY joined_at, id"
                .to_owned()
        }
    }
}

/// One row's values, read by the kinds of `table`'s columns.
fn fields<DB>(row: &DB::Row, table: ExportTable) -> Result<Vec<Field>, StoreError>
where
    DB: Dialect,
    usize: ColumnIndex<DB::Row>,
    Option<i64>: Column<DB>,
    bool: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    let mut fields = Vec::with_capacity(table.columns().len());
    for (index, (_, kind)) in table.columns().iter().enumerate() {
        let field = match kind {
            Kind::Id => row
                .try_get::<Option<i64>, _>(index)?
                .map_or(Field::Empty, |id| {
                    Field::Id(crate::domain::ids::UserId::from_db(id).0)
                }),
            Kind::Int => row
                .try_get::<Option<i64>, _>(index)?
                .map_or(Field::Empty, Field::Int),
            Kind::Text => row
                .try_get::<Option<String>, _>(index)?
                .map_or(Field::Empty, Field::Text),
            Kind::Time => match row.try_get::<Option<DB::Time>, _>(index)? {
                Some(at) => Field::Time(DB::time_from_db(at)?),
                None => Field::Empty,
            },
            Kind::Day => row
                .try_get::<Option<i64>, _>(index)?
                .and_then(|days| {
                    NaiveDate::from_ymd_opt(1970, 1, 1)?
                        .checked_add_days(Days::new(u64::try_from(days).ok()?))
                })
                .map_or(Field::Empty, Field::Day),
            // Every yes-or-no column is NOT NULL.
            Kind::Bool => Field::Bool(row.try_get::<bool, _>(index)?),
        };
        fields.push(field);
    }
    Ok(fields)
}

impl<DB> ExportStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    bool: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    fn export_rows(
        &self,
        guild_id: GuildId,
        table: ExportTable,
        since: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> ExportRows {
        let pool = self.pool.clone();
        let (sender, mut receiver) = tokio::sync::mpsc::channel(BUFFER_ROWS);
        tokio::spawn(async move {
            let sql = statement::<DB>(table);
            let mut query = sqlx::query(&sql)
                .bind(guild_id.to_db())
                .bind(DB::time_to_db(since.unwrap_or(DateTime::UNIX_EPOCH)))
                .bind(DB::time_to_db(until));
            if sql.contains("$4") {
                query = query.bind(DB::time_to_db(DateTime::UNIX_EPOCH));
            }
            let mut rows = query.fetch(&pool);
            while let Some(row) = rows.next().await {
                let item = row
                    .map_err(StoreError::from)
                    .and_then(|row| fields::<DB>(&row, table));
                let failed = item.is_err();
                // A consumer that stopped reading ends the read too.
                if sender.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        Box::pin(futures::stream::poll_fn(move |context| {
            receiver.poll_recv(context)
        }))
    }
}
