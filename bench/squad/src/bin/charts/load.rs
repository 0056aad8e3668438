//! Loading a `gen.py` data set into a trakker store, as the bot would have recorded that
//! community: one guild, its members (from `users.csv`), the voice ledger (one `voice_sessions`
//! row per stay, none AFK) and the hourly message rollups (`messages.csv` counted per UTC hour,
//! channel and user while it streams by; attachments, replies and thread messages zero).
//!
//! The guild and members go through the store's own interface; the two big tables are written
//! straight through its pool, in multi-row statements (SQLite) or `UNNEST` arrays (Postgres),
//! since no bot ever writes a year of history at once. The load is timed for the report, but it
//! is not what the benchmark measures.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{QueryBuilder, Sqlite};
use trakker::domain::ids::{GuildId, UserId};
use trakker::store::{GuildRecord, MemberRecord, Store};

use crate::pool::{to_db, StorePool};

/// Rollup rows sent from the CSV reader to the writer at once; on SQLite also the rows of one
/// transaction.
const CHUNK_ROWS: usize = 100_000;
/// Rows per multi-row statement on SQLite: 4 bound values each, below its 32,766 variables.
const SQLITE_ROWS_PER_STATEMENT: usize = 5_000;
/// Rows per `UNNEST` statement on Postgres.
const POSTGRES_ROWS_PER_STATEMENT: usize = 50_000;
/// Voice sessions per transaction on SQLite.
const VOICE_ROWS_PER_TRANSACTION: usize = 200_000;

/// The period every chart query asks for: from the first stay or message to the end of the
/// last, on whole UTC hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Period {
    /// From (inclusive).
    pub since: DateTime<Utc>,
    /// To (exclusive).
    pub until: DateTime<Utc>,
}

/// What was loaded, and how long it took.
#[derive(Clone, Debug)]
pub(crate) struct Loaded {
    /// The period the data covers.
    pub period: Period,
    /// Members stored.
    pub members: usize,
    /// Voice sessions stored.
    pub sessions: u64,
    /// Their seconds, added up.
    pub voice_seconds: i64,
    /// Messages counted into the rollups.
    pub messages: u64,
    /// Rollup rows: distinct (hour, channel, user).
    pub rollup_rows: u64,
    /// Time to store the guild and members.
    pub members_took: Duration,
    /// Time to read and store the voice sessions.
    pub voice_took: Duration,
    /// Time to read, count and store the messages.
    pub messages_took: Duration,
}

impl Loaded {
    /// The whole load.
    pub fn took(&self) -> Duration {
        self.members_took + self.voice_took + self.messages_took
    }
}

/// The part of `manifest.json` the load needs.
#[derive(Debug, Deserialize)]
struct Manifest {
    /// The first day of data, in unix seconds.
    start_ts: i64,
}

/// One row of `voice_sessions.csv`.
#[derive(Clone, Copy, Debug)]
struct Session {
    user: i64,
    channel: i64,
    join_s: i64,
    leave_s: i64,
}

/// One `message_rollups` row: messages of one user in one channel and UTC hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RollupRow {
    hour_s: i64,
    channel: i64,
    user: i64,
    messages: i64,
}

/// What the message reader saw.
#[derive(Clone, Copy, Debug, Default)]
struct MessageStats {
    messages: u64,
    rows: u64,
    first_s: Option<i64>,
    last_s: Option<i64>,
}

/// Loads the data set in `data` into `store` as guild `guild`.
pub(crate) async fn load(store: &dyn Store, data: &Path, guild: GuildId) -> anyhow::Result<Loaded> {
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(data.join("manifest.json")).context("read manifest.json")?,
    )
    .context("parse manifest.json")?;
    let start = DateTime::from_timestamp(manifest.start_ts, 0).context("start_ts out of range")?;
    let pool = StorePool::of(store)?;

    let started = Instant::now();
    let members = store_members(store, &data.join("users.csv"), guild, start).await?;
    let members_took = started.elapsed();

    let started = Instant::now();
    let sessions = read_sessions(&data.join("voice_sessions.csv"))?;
    insert_sessions(pool, guild, &sessions).await?;
    let voice_took = started.elapsed();

    let started = Instant::now();
    let stats = load_messages(pool, guild, data.join("messages.csv")).await?;
    // What the ingest writer keeps beside the member rollups, built as migration 0008 does.
    let server_wide = "INSERT INTO channel_rollups (guild_id, hour, channel_id, messages)
        SELECT guild_id, hour, channel_id, SUM(messages) FROM message_rollups
        WHERE guild_id = $1 GROUP BY guild_id, hour, channel_id";
    // And each member's messages per UTC day, as migration 0016 builds them.
    let member_days = |day: &str| {
        format!(
            "INSERT INTO member_message_days (guild_id, day_at, user_id, messages)
             SELECT guild_id, {day}, user_id, SUM(messages) FROM message_rollups
             WHERE guild_id = $1 GROUP BY guild_id, {day}, user_id HAVING SUM(messages) > 0"
        )
    };
    match pool {
        StorePool::Sqlite(pool) => {
            for sql in [
                server_wide.to_owned(),
                member_days("hour - (hour % 86400000)"),
            ] {
                sqlx::query(&sql).bind(to_db(guild.0)).execute(pool).await?;
            }
        }
        StorePool::Postgres(pool) => {
            for sql in [
                server_wide.to_owned(),
                member_days("date_trunc('day', hour, 'UTC')"),
            ] {
                sqlx::query(&sql).bind(to_db(guild.0)).execute(pool).await?;
            }
        }
    }
    match pool {
        StorePool::Sqlite(pool) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        StorePool::Postgres(pool) => {
            // What autovacuum would do soon after a load this size: statistics, visibility map.
            sqlx::query("VACUUM ANALYZE voice_sessions, message_rollups, channel_rollups, members")
                .execute(pool)
                .await?;
        }
    }
    let messages_took = started.elapsed();

    let first = sessions
        .iter()
        .map(|s| s.join_s)
        .chain(stats.first_s)
        .chain([manifest.start_ts])
        .min()
        .unwrap_or(manifest.start_ts);
    let last = sessions
        .iter()
        .map(|s| s.leave_s)
        .chain(stats.last_s.map(|s| s + 1))
        .max()
        .unwrap_or(first);
    Ok(Loaded {
        period: Period {
            since: hour_floor(first)?,
            until: hour_floor(last + 3599)?,
        },
        members,
        sessions: sessions.len() as u64,
        voice_seconds: sessions.iter().map(|s| s.leave_s - s.join_s).sum(),
        messages: stats.messages,
        rollup_rows: stats.rows,
        members_took,
        voice_took,
        messages_took,
    })
}

fn hour_floor(unix_s: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(unix_s.div_euclid(3600) * 3600, 0).context("a time out of range")
}

/// The guild row and one member per line of `users.csv` (`display_name` = `name`, no bots,
/// joined at the data's start), through the store's interface.
async fn store_members(
    store: &dyn Store,
    path: &Path,
    guild: GuildId,
    start: DateTime<Utc>,
) -> anyhow::Result<usize> {
    store
        .upsert_guild(&GuildRecord {
            id: guild,
            name: "Anchor community".to_owned(),
            joined_at: start,
            left_at: None,
        })
        .await?;
    let mut reader = csv_reader(path)?;
    let [user, name] = columns(&mut reader, ["user_id", "name"])?;
    let mut members = Vec::new();
    for record in reader.records() {
        let record = record?;
        members.push(MemberRecord {
            user_id: UserId(record[user].parse()?),
            display_name: record[name].to_owned(),
            is_bot: false,
            joined_at: start,
            left_at: None,
            tracking_opt_out: false,
        });
    }
    store.upsert_members(guild, &members).await?;
    Ok(members.len())
}

fn csv_reader(path: &Path) -> anyhow::Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_path(path)
        .with_context(|| format!("open {}", path.display()))
}

/// The positions of `names` in the header of `reader`.
fn columns<const N: usize>(
    reader: &mut csv::Reader<std::fs::File>,
    names: [&str; N],
) -> anyhow::Result<[usize; N]> {
    let header = reader.headers()?.clone();
    let mut at = [0; N];
    for (slot, name) in at.iter_mut().zip(names) {
        *slot = header
            .iter()
            .position(|column| column == name)
            .with_context(|| format!("no column {name} in {header:?}"))?;
    }
    Ok(at)
}

/// An integer field of a byte record.
fn int(record: &csv::ByteRecord, at: usize) -> anyhow::Result<i64> {
    let field = std::str::from_utf8(&record[at])?;
    if let Ok(value) = field.parse::<i64>() {
        return Ok(value);
    }
    // Snowflakes above i64::MAX are stored bit for bit.
    Ok(to_db(
        field
            .parse::<u64>()
            .with_context(|| format!("{field:?} is not an integer"))?,
    ))
}

fn read_sessions(path: &Path) -> anyhow::Result<Vec<Session>> {
    let mut reader = csv_reader(path)?;
    let [user, channel, join, leave] = columns(
        &mut reader,
        ["user_id", "channel_id", "join_ts", "leave_ts"],
    )?;
    let mut record = csv::ByteRecord::new();
    let mut sessions = Vec::new();
    while reader.read_byte_record(&mut record)? {
        sessions.push(Session {
            user: int(&record, user)?,
            channel: int(&record, channel)?,
            join_s: int(&record, join)?,
            leave_s: int(&record, leave)?,
        });
    }
    Ok(sessions)
}

async fn insert_sessions(
    pool: StorePool<'_>,
    guild: GuildId,
    sessions: &[Session],
) -> anyhow::Result<()> {
    let guild = to_db(guild.0);
    match pool {
        StorePool::Sqlite(pool) => {
            for transaction in sessions.chunks(VOICE_ROWS_PER_TRANSACTION) {
                let mut tx = pool.begin().await?;
                for chunk in transaction.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let mut insert = QueryBuilder::<Sqlite>::new(
                        "INSERT INTO voice_sessions \
                         (guild_id, channel_id, user_id, joined_at, left_at, afk) ",
                    );
                    insert.push_values(chunk, |mut row, s| {
                        row.push(guild.to_string())
                            .push_bind(s.channel)
                            .push_bind(s.user)
                            .push_bind(s.join_s * 1000)
                            .push_bind(s.leave_s * 1000)
                            .push("0");
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        StorePool::Postgres(pool) => {
            for chunk in sessions.chunks(POSTGRES_ROWS_PER_STATEMENT) {
                let column = |f: fn(&Session) -> i64| chunk.iter().map(f).collect::<Vec<i64>>();
                sqlx::query(
                    "INSERT INTO voice_sessions
                         (guild_id, channel_id, user_id, joined_at, left_at, afk)
                     SELECT $1, c, u, to_timestamp(j), to_timestamp(l), false
                     FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
                         AS t (c, u, j, l)",
                )
                .bind(guild)
                .bind(column(|s| s.channel))
                .bind(column(|s| s.user))
                .bind(column(|s| s.join_s))
                .bind(column(|s| s.leave_s))
                .execute(pool)
                .await
                .context("insert voice sessions")?;
            }
        }
    }
    Ok(())
}

/// Streams `messages.csv` on a blocking thread, counting per (hour, channel, user), and stores
/// the counts as they come. A chunk holds each key once; a key met again in a later chunk (the
/// file is in time order, so only at a chunk's edge) is added to the stored row.
async fn load_messages(
    pool: StorePool<'_>,
    guild: GuildId,
    path: PathBuf,
) -> anyhow::Result<MessageStats> {
    let (chunks, mut received) = tokio::sync::mpsc::channel::<Vec<RollupRow>>(2);
    let reader = tokio::task::spawn_blocking(move || {
        count_messages(&path, |chunk| chunks.blocking_send(chunk).is_ok())
    });
    let guild = to_db(guild.0);
    while let Some(chunk) = received.recv().await {
        insert_rollups(pool, guild, &chunk).await?;
    }
    reader.await.context("the message reader panicked")?
}

fn count_messages(
    path: &Path,
    mut send: impl FnMut(Vec<RollupRow>) -> bool,
) -> anyhow::Result<MessageStats> {
    let mut reader = csv_reader(path)?;
    let [user, channel, ts] = columns(&mut reader, ["user_id", "channel_id", "ts"])?;
    let mut record = csv::ByteRecord::new();
    let mut stats = MessageStats::default();
    let mut pending: HashMap<(i64, i64, i64), i64> = HashMap::new();
    let mut current_hour = i64::MIN;
    let mut flush = |pending: &mut HashMap<(i64, i64, i64), i64>, stats: &mut MessageStats| {
        let mut chunk: Vec<RollupRow> = pending
            .drain()
            .map(|((hour_s, channel, user), messages)| RollupRow {
                hour_s,
                channel,
                user,
                messages,
            })
            .collect();
        chunk.sort_unstable_by_key(|row| (row.hour_s, row.channel, row.user));
        stats.rows += chunk.len() as u64;
        send(chunk)
    };
    while reader.read_byte_record(&mut record)? {
        let at = int(&record, ts)?;
        let hour_s = at.div_euclid(3600) * 3600;
        if hour_s != current_hour {
            // Only whole hours leave in a chunk, so a sorted file stores each key once.
            if pending.len() >= CHUNK_ROWS && !flush(&mut pending, &mut stats) {
                anyhow::bail!("the rollup writer stopped");
            }
            current_hour = hour_s;
        }
        *pending
            .entry((hour_s, int(&record, channel)?, int(&record, user)?))
            .or_default() += 1;
        stats.messages += 1;
        stats.first_s = Some(stats.first_s.map_or(at, |first| first.min(at)));
        stats.last_s = Some(stats.last_s.map_or(at, |last| last.max(at)));
    }
    if !pending.is_empty() && !flush(&mut pending, &mut stats) {
        anyhow::bail!("the rollup writer stopped");
    }
    Ok(stats)
}

async fn insert_rollups(pool: StorePool<'_>, guild: i64, rows: &[RollupRow]) -> anyhow::Result<()> {
    const ADD: &str = " ON CONFLICT (guild_id, hour, channel_id, user_id) \
                       DO UPDATE SET messages = message_rollups.messages + excluded.messages";
    match pool {
        StorePool::Sqlite(pool) => {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO message_rollups (guild_id, hour, channel_id, user_id, messages, \
                     with_attachments, replies, in_threads) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    row.push(guild.to_string())
                        .push_bind(r.hour_s * 1000)
                        .push_bind(r.channel)
                        .push_bind(r.user)
                        .push_bind(r.messages)
                        .push("0, 0, 0");
                });
                insert.push(ADD);
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        StorePool::Postgres(pool) => {
            for chunk in rows.chunks(POSTGRES_ROWS_PER_STATEMENT) {
                let column = |f: fn(&RollupRow) -> i64| chunk.iter().map(f).collect::<Vec<i64>>();
                sqlx::query(&format!(
                    "INSERT INTO message_rollups (guild_id, hour, channel_id, user_id, messages,
                         with_attachments, replies, in_threads)
                     SELECT $1, to_timestamp(h), c, u, m, 0, 0, 0
                     FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
                         AS t (h, c, u, m){ADD}"
                ))
                .bind(guild)
                .bind(column(|r| r.hour_s))
                .bind(column(|r| r.channel))
                .bind(column(|r| r.user))
                .bind(column(|r| r.messages))
                .execute(pool)
                .await
                .context("insert message rollups")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a test file");
        path
    }

    #[test]
    fn messages_are_counted_per_hour_channel_and_user() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // Ada posts twice in #general at 00:xx, once in #lfg; Bob once at 00:59 and at 01:00.
        let path = write(
            dir.path(),
            "messages.csv",
            "user_id,channel_id,ts,emoji_count\n\
             1,10,0,0\n1,10,600,2\n1,11,700,0\n2,10,3599,0\n2,10,3600,1\n",
        );
        let mut chunks = Vec::new();
        let stats = count_messages(&path, |chunk| {
            chunks.push(chunk);
            true
        })
        .expect("the file is read");
        let rows: Vec<RollupRow> = chunks.concat();
        let row = |hour_s, channel, user, messages| RollupRow {
            hour_s,
            channel,
            user,
            messages,
        };
        assert_eq!(
            rows,
            [
                row(0, 10, 1, 2),
                row(0, 10, 2, 1),
                row(0, 11, 1, 1),
                row(3600, 10, 2, 1)
            ]
        );
        assert_eq!(stats.messages, 5);
        assert_eq!(stats.rows, 4);
        assert_eq!((stats.first_s, stats.last_s), (Some(0), Some(3600)));
    }

    #[test]
    fn snowflakes_above_the_signed_range_are_kept_bit_for_bit() {
        let record = csv::ByteRecord::from(vec!["18446744073709551615", "42"]);
        assert_eq!(int(&record, 0).expect("an id"), -1);
        assert_eq!(int(&record, 1).expect("a number"), 42);
    }
}
