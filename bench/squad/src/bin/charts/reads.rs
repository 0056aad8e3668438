//! Reading what the charts draw from, with the statements of trakker's `ChartStore`
//! (`store/sql/charts.rs`): the voice stays of a period and the messages per channel and UTC hour.
//! They run through the store's pool and return the same shapes, so the figures are the
//! store's. Once the store offers these methods, the steps in [`crate::ours`] call
//! `store.voice_stays(…)` and `store.message_hours(…)` instead, and this module goes.

use chrono::{DateTime, Utc};
use trakker::domain::ids::GuildId;
use trakker::store::Store;

use crate::pool::{from_db, to_db, StorePool};

/// A stay in a voice channel outside AFK channels, clamped to the period; unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChannelStay {
    /// Who.
    pub user: u64,
    /// Where.
    pub channel: u64,
    /// From.
    pub start_ms: i64,
    /// To (after `start_ms`).
    pub end_ms: i64,
}

/// Messages posted in one channel in one UTC hour, every member together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChannelHour {
    /// The start of the hour, in unix milliseconds.
    pub hour_ms: i64,
    /// The channel.
    pub channel: u64,
    /// Messages posted.
    pub messages: u64,
}

/// Members marked as bots are left out of every chart query.
const NOT_A_BOT: &str =
    "user_id NOT IN (SELECT user_id FROM members WHERE guild_id = $1 AND is_bot)";

/// Milliseconds from `from` to `to`, as each database computes them.
fn millis_between(pool: StorePool<'_>, from: &str, to: &str) -> String {
    match pool {
        StorePool::Sqlite(_) => format!("(({to}) - ({from}))"),
        StorePool::Postgres(_) => {
            format!("CAST(EXTRACT(EPOCH FROM ({to}) - ({from})) * 1000 AS BIGINT)")
        }
    }
}

/// Every stay outside AFK channels that overlaps `[since, until)`, clamped to it (a stay still
/// open runs to `until`), bots left out; read as offsets from `since`, as the store does.
pub(crate) async fn voice_stays(
    store: &dyn Store,
    guild: GuildId,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<Vec<ChannelStay>> {
    let pool = StorePool::of(store)?;
    let (greatest, least) = match pool {
        StorePool::Sqlite(_) => ("MAX", "MIN"),
        StorePool::Postgres(_) => ("GREATEST", "LEAST"),
    };
    let start = millis_between(pool, "$2", &format!("{greatest}(joined_at, $2)"));
    let end = millis_between(pool, "$2", &format!("{least}(COALESCE(left_at, $3), $3)"));
    let sql = format!(
        "SELECT channel_id, user_id, {start}, {end} FROM voice_sessions
         WHERE guild_id = $1 AND NOT afk AND joined_at < $3
           AND (left_at IS NULL OR left_at > $2) AND {NOT_A_BOT}"
    );
    let guild = to_db(guild.0);
    let rows: Vec<(i64, i64, i64, i64)> = match pool {
        StorePool::Sqlite(pool) => {
            sqlx::query_as(&sql)
                .bind(guild)
                .bind(since.timestamp_millis())
                .bind(until.timestamp_millis())
                .fetch_all(pool)
                .await?
        }
        StorePool::Postgres(pool) => {
            sqlx::query_as(&sql)
                .bind(guild)
                .bind(since)
                .bind(until)
                .fetch_all(pool)
                .await?
        }
    };
    let origin = since.timestamp_millis();
    Ok(rows
        .into_iter()
        .filter(|&(_, _, start, end)| end > start)
        .map(|(channel, user, start, end)| ChannelStay {
            user: from_db(user),
            channel: from_db(channel),
            start_ms: origin + start,
            end_ms: origin + end,
        })
        .collect())
}

/// Messages per channel and UTC hour for the hours starting in `[since, until)`, bots left
/// out; hours without messages are not listed.
pub(crate) async fn message_hours(
    store: &dyn Store,
    guild: GuildId,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<Vec<ChannelHour>> {
    let pool = StorePool::of(store)?;
    let offset = millis_between(pool, "$2", "hour");
    let sql = format!(
        "SELECT {offset}, channel_id, CAST(SUM(messages) AS BIGINT) FROM message_rollups
         WHERE guild_id = $1 AND hour >= $2 AND hour < $3 AND {NOT_A_BOT}
         GROUP BY hour, channel_id
         HAVING SUM(messages) > 0"
    );
    let guild = to_db(guild.0);
    let rows: Vec<(i64, i64, i64)> = match pool {
        StorePool::Sqlite(pool) => {
            sqlx::query_as(&sql)
                .bind(guild)
                .bind(since.timestamp_millis())
                .bind(until.timestamp_millis())
                .fetch_all(pool)
                .await?
        }
        StorePool::Postgres(pool) => {
            sqlx::query_as(&sql)
                .bind(guild)
                .bind(since)
                .bind(until)
                .fetch_all(pool)
                .await?
        }
    };
    let origin = since.timestamp_millis();
    rows.into_iter()
        .map(|(offset, channel, messages)| {
            Ok(ChannelHour {
                hour_ms: origin + offset,
                channel: from_db(channel),
                messages: u64::try_from(messages)?,
            })
        })
        .collect()
}
