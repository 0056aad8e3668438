//! The retention pass at scale: old hourly rows removed by the retention task's own purge while
//! the ingest pipeline takes a steady stream of events, with the ingest lag sampled throughout.
//!
//! The lag is measured end to end: every 200 ms a probe event is recorded, and a reader polls
//! the database until the probe's count shows it; the lag is the time between the two.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::watch;
use trakker::community::charts::ChartCache;
use trakker::community::retention;
use trakker::domain::activity::{hour_of, ActivityEvent, MessageKey};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::domain::retention::RetentionDays;
use trakker::ingest::{Ingest, SHUTDOWN_FLUSH_DEADLINE};
use trakker::store::Store;
use trakker_bench::database::BenchDatabase;

use crate::load::{self, to_db, Raw};
use crate::Args;

const PROBE: (ChannelId, UserId) = (ChannelId(999), UserId(999));
const PROBE_EVERY: Duration = Duration::from_millis(200);
/// How long ingest runs alone before and after the pass.
const QUIET: Duration = Duration::from_secs(5);

/// When each probe was recorded, and the lag of those seen in the database.
#[derive(Default)]
struct Probes {
    recorded: Vec<Instant>,
    lags: Vec<(Instant, Duration)>,
}

/// Loads the old rows, runs the pass under load; returns the report's lines.
pub async fn run(
    store: &Arc<dyn Store>,
    database: &BenchDatabase,
    guild: GuildId,
    args: &Args,
) -> anyhow::Result<String> {
    let loaded = load::old_rollups(database, guild, args.rollup_rows).await?;
    let (ingest, tasks) = Ingest::start(Arc::clone(store), Duration::from_secs(1));
    let probes = Arc::new(Mutex::new(Probes::default()));
    let (stop, stopped) = watch::channel(false);
    let generator = tokio::spawn(generate(
        ingest.clone(),
        guild,
        args.events_per_second,
        Arc::clone(&probes),
        stopped.clone(),
    ));
    let watcher = tokio::spawn(watch_probes(
        Raw::open(database).await?,
        guild,
        Arc::clone(&probes),
        stopped,
    ));
    tokio::time::sleep(QUIET).await;
    let pass_started = Instant::now();
    let days = RetentionDays::new(30).map_err(anyhow::Error::msg)?;
    let charts = ChartCache::new(ingest.written());
    let neighbours = retention::Neighbours {
        charts: &charts,
        ingest: &ingest,
    };
    let before = days.cutoff(chrono::Utc::now());
    let removed = retention::purge(store.as_ref(), Some(neighbours), guild, before).await?;
    let pass_ended = Instant::now();
    tokio::time::sleep(QUIET).await;
    stop.send_replace(true);
    let recorded = generator.await??;
    watcher.await??;
    tasks
        .shutdown(Instant::now() + SHUTDOWN_FLUSH_DEADLINE)
        .await;

    let probes = probes.lock().unwrap_or_else(PoisonError::into_inner);
    let during: Vec<Duration> = lags(&probes, |at| at >= pass_started && at <= pass_ended);
    let outside: Vec<Duration> = lags(&probes, |at| at < pass_started || at > pass_ended);
    let pass = (pass_ended - pass_started).as_secs_f64();
    let total = (pass + 2.0 * QUIET.as_secs_f64()).max(f64::EPSILON);
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let (rate, achieved) = (
        removed as f64 / pass.max(f64::EPSILON),
        recorded as f64 / total,
    );
    Ok(format!(
        "Retention: {} old hourly message rows loaded in {:.1} s; the purge removed {removed} \
         in {pass:.1} s ({rate:.0} rows/s, batches of {} per kind with a {} ms pause) while \
         ingest took {achieved:.0} events/s (asked {}).\n\n\
         | ingest lag (record → readable in the database) | probes | median | p99 | max |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | during the purge | {} |\n\
         | before and after it | {} |\n\n",
        args.rollup_rows,
        loaded.as_secs_f64(),
        retention::BATCH_ROWS,
        retention::PAUSE.as_millis(),
        args.events_per_second,
        summary(&during),
        summary(&outside),
    ))
}

fn lags(probes: &Probes, when: impl Fn(Instant) -> bool) -> Vec<Duration> {
    let mut lags: Vec<Duration> = probes
        .lags
        .iter()
        .filter(|(at, _)| when(*at))
        .map(|(_, lag)| *lag)
        .collect();
    lags.sort();
    lags
}

fn summary(sorted: &[Duration]) -> String {
    if sorted.is_empty() {
        return "0 | – | – | –".to_owned();
    }
    let at = |quantile: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into a short list"
        )]
        let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
        sorted[index].as_secs_f64()
    };
    format!(
        "{} | {:.2} s | {:.2} s | {:.2} s",
        sorted.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// Records `per_second` message events in steps of 10 ms, and a probe every 200 ms, until
/// stopped; returns the events recorded.
async fn generate(
    ingest: Ingest,
    guild: GuildId,
    per_second: u64,
    probes: Arc<Mutex<Probes>>,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<u64> {
    let mut ticks = tokio::time::interval(Duration::from_millis(10));
    let per_tick = (per_second / 100).max(1);
    let mut recorded = 0_u64;
    let mut last_probe = Instant::now();
    while !*stopped.borrow() {
        ticks.tick().await;
        let hour = hour_of(Utc::now());
        for _ in 0..per_tick {
            let key = MessageKey {
                guild_id: guild,
                channel_id: ChannelId(200 + recorded % 10),
                user_id: UserId(5_000 + recorded % 2_000),
                hour,
            };
            ingest.record(message(key)).await;
            recorded += 1;
        }
        if last_probe.elapsed() >= PROBE_EVERY {
            last_probe = Instant::now();
            let key = MessageKey {
                guild_id: guild,
                channel_id: PROBE.0,
                user_id: PROBE.1,
                hour,
            };
            ingest.record(message(key)).await;
            probes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .recorded
                .push(last_probe);
        }
    }
    Ok(recorded)
}

fn message(key: MessageKey) -> ActivityEvent {
    ActivityEvent::Message {
        key,
        with_attachment: false,
        reply: false,
        in_thread: false,
    }
}

/// Polls the probe's count every 20 ms and notes the lag of each probe as it shows up.
async fn watch_probes(
    mut db: Raw,
    guild: GuildId,
    probes: Arc<Mutex<Probes>>,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let sql = "SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_rollups \
               WHERE guild_id = $1 AND channel_id = $2 AND user_id = $3";
    let mut seen = 0_usize;
    let mut grace = None;
    loop {
        let count: i64 = match &mut db {
            Raw::Sqlite(db) => {
                sqlx::query_scalar(sql)
                    .bind(to_db(guild.0))
                    .bind(to_db(PROBE.0 .0))
                    .bind(to_db(PROBE.1 .0))
                    .fetch_one(&mut *db)
                    .await?
            }
            Raw::Postgres(db) => {
                sqlx::query_scalar(sql)
                    .bind(to_db(guild.0))
                    .bind(to_db(PROBE.0 .0))
                    .bind(to_db(PROBE.1 .0))
                    .fetch_one(&mut *db)
                    .await?
            }
        };
        let now = Instant::now();
        {
            let mut probes = probes.lock().unwrap_or_else(PoisonError::into_inner);
            let visible = usize::try_from(count)?.min(probes.recorded.len());
            while seen < visible {
                let at = probes.recorded[seen];
                probes.lags.push((at, now - at));
                seen += 1;
            }
        }
        if *stopped.borrow() {
            // The last probes need a flush or two to show.
            let until = *grace.get_or_insert(now + Duration::from_secs(3));
            if now >= until {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
