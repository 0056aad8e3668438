//! Bulk loads, one statement each: the ledger (through the shared loader), voice stays, and old
//! hourly message rows for the retention pass.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use trakker::domain::ids::GuildId;
use trakker_bench::database::{BenchDatabase, LedgerPlan};

/// Over how many days the ledger and the stays are spread, ending now.
pub const DAYS: u32 = 100;

/// Ids stored bit for bit, as the bot stores them.
#[expect(
    clippy::cast_possible_wrap,
    reason = "snowflakes are stored bit for bit"
)]
pub fn to_db(id: u64) -> i64 {
    id as i64
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One connection of its own to the bench database.
pub enum Raw {
    /// SQLite.
    Sqlite(sqlx::SqliteConnection),
    /// Postgres.
    Postgres(PgConnection),
}

impl Raw {
    pub async fn open(database: &BenchDatabase) -> anyhow::Result<Self> {
        let url = database.url();
        Ok(if url.starts_with("sqlite:") {
            Self::Sqlite(
                SqliteConnectOptions::from_str(url)?
                    .busy_timeout(Duration::from_secs(60))
                    .connect()
                    .await?,
            )
        } else {
            Self::Postgres(PgConnection::connect(url).await?)
        })
    }
}

/// Loads `ledger_rows` entries and `stays` voice stays of 10 to 40 minutes; returns how long.
pub async fn ledger_and_stays(
    database: &BenchDatabase,
    guild: GuildId,
    ledger_rows: u64,
    stays: u64,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let plan = LedgerPlan {
        guild: guild.0,
        channel: 100,
        players: (0..200).map(|n| 880_000_000_000_000_000 + n).collect(),
        rows: ledger_rows,
        days: DAYS,
    };
    database.load_ledger(&plan).await?;
    let span = i64::from(DAYS) * 86_400_000;
    let stays = i64::try_from(stays)?;
    match Raw::open(database).await? {
        Raw::Sqlite(mut db) => {
            sqlx::query(
                "INSERT INTO voice_sessions (guild_id, channel_id, user_id, joined_at, left_at, afk)
                 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
                 SELECT ?1, 100 + i % 20, 1000 + (i * 7919) % 2000, ?3 + i * ?4 / ?2,
                        ?3 + i * ?4 / ?2 + 600000 + (i % 7) * 300000, 0
                 FROM n",
            )
            .bind(to_db(guild.0))
            .bind(stays)
            .bind(now_ms() - span)
            .bind(span)
            .execute(&mut db)
            .await
            .context("load the SQLite stays")?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut db)
                .await?;
        }
        Raw::Postgres(mut db) => {
            sqlx::query(
                "INSERT INTO voice_sessions (guild_id, channel_id, user_id, joined_at, left_at, afk)
                 SELECT $1, 100 + i % 20, 1000 + (i * 7919) % 2000, t, t + (600 + (i % 7) * 300) * interval '1 second', false
                 FROM generate_series(0::bigint, $2 - 1) AS i,
                      LATERAL (SELECT now() - make_interval(days => $3) + (i * $4 / $2) * interval '1 millisecond' AS t) AS at",
            )
            .bind(to_db(guild.0))
            .bind(stays)
            .bind(i32::try_from(DAYS)?)
            .bind(span)
            .execute(&mut db)
            .await
            .context("load the Postgres stays")?;
            sqlx::query("VACUUM ANALYZE voice_sessions")
                .execute(&mut db)
                .await?;
        }
    }
    Ok(started.elapsed())
}

/// Loads `rows` hourly message rows 400 to about 317 days old (5,000 per hour: ten channels
/// of 500 members); returns how long.
pub async fn old_rollups(
    database: &BenchDatabase,
    guild: GuildId,
    rows: u64,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let rows = i64::try_from(rows)?;
    let hour_ms = 3_600_000_i64;
    let start = (now_ms() - 400 * 86_400_000) / hour_ms * hour_ms;
    match Raw::open(database).await? {
        Raw::Sqlite(mut db) => {
            sqlx::query(
                "INSERT INTO message_rollups
                     (guild_id, hour, channel_id, user_id, messages, with_attachments, replies, in_threads)
                 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
                 SELECT ?1, ?3 + (i / 5000) * 3600000, 100 + i % 10, 1000 + (i / 10) % 500,
                        1 + i % 3, 0, 0, 0
                 FROM n",
            )
            .bind(to_db(guild.0))
            .bind(rows)
            .bind(start)
            .execute(&mut db)
            .await
            .context("load the SQLite rollups")?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut db)
                .await?;
        }
        Raw::Postgres(mut db) => {
            sqlx::query(
                "INSERT INTO message_rollups
                     (guild_id, hour, channel_id, user_id, messages, with_attachments, replies, in_threads)
                 SELECT $1, to_timestamp($3 / 1000.0) + (i / 5000) * interval '1 hour',
                        100 + i % 10, 1000 + (i / 10) % 500, 1 + i % 3, 0, 0, 0
                 FROM generate_series(0::bigint, $2 - 1) AS i",
            )
            .bind(to_db(guild.0))
            .bind(rows)
            .bind(start)
            .execute(&mut db)
            .await
            .context("load the Postgres rollups")?;
            sqlx::query("VACUUM ANALYZE message_rollups")
                .execute(&mut db)
                .await?;
        }
    }
    Ok(started.elapsed())
}
