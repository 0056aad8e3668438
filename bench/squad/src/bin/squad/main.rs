//! `squad`: how long the bot takes to answer /leaderboard, /stats and /track in a guild of 1,000
//! players with 1,000,000 ledger rows, on SQLite and on Postgres, with the in-process cache and
//! with Redis.
//!
//! One fakecord runs inside this program; the real `trakker` binary runs as a child process
//! against it, as in production. For each database the program creates the guild, lets a first
//! bot store it, stops that bot, loads the ledger with one SQL statement, then for each cache
//! starts a fresh bot (nothing cached), warms up and measures, one call at a time.
//!
//! The figure is fakecord's `callback_micros`: from `INTERACTION_CREATE` queued on the bot's
//! gateway connection to the bot's callback reaching fakecord. /about, which touches neither the
//! database nor the cache, is measured the same way as the floor (gateway, poise, REST).
//!
//! Module map:
//! - [`trakker_bench::bot`]: starting and stopping the `trakker` process (shared).
//! - [`trakker_bench::database`]: throw-away databases, bulk loading the ledger, query plans
//!   (shared).
//! - [`measure`]: invoking the commands and collecting the samples.
//! - [`report`]: percentiles and the tables printed at the end.
//! - [`trakker_bench::machine`]: what the figures were measured on (shared).

mod measure;
mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use fakecord::api::GuildSpec;
use fakecord::FakeDiscord;

use crate::measure::Workload;
use crate::report::{Configuration, Report};
use trakker_bench::bot::{Bot, Launch};
use trakker_bench::database::{self, Backend, BenchDatabase, LedgerPlan};
use trakker_bench::machine;
use trakker_bench::metrics::{self, MetricsMode};

/// The benchmark's knobs; the defaults are the figures recorded in bench/RESULTS.md.
#[derive(Debug, Parser)]
#[command(about = "Latency of /leaderboard, /stats and /track on a large squad ledger")]
struct Args {
    /// Guild members; every one of them has ledger rows.
    #[arg(long, default_value_t = 1000)]
    players: u32,
    /// Ledger rows loaded before measuring.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// The rows are spread evenly over this many days, ending now.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Measured calls per command and configuration.
    #[arg(long, default_value_t = 1000)]
    calls: usize,
    /// Calls made before measuring, not counted (the first one is reported as "cold").
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Pause between two calls, in milliseconds, so that what the bot does after its callback
    /// (the /track reaction) does not run into the next call.
    #[arg(long, default_value_t = 10)]
    gap_ms: u64,
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    databases: Vec<Backend>,
    /// Caches to measure for each database, in order.
    #[arg(long, value_delimiter = ',', default_value = "memory,redis")]
    caches: Vec<report::CacheKind>,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// The Redis database for the Redis runs; it is emptied (FLUSHDB) before each.
    #[arg(long, default_value = "redis://127.0.0.1:6379/5")]
    redis_url: String,
    /// The bot binary (default: `trakker` beside this program, i.e. target/release/trakker).
    #[arg(long)]
    bot: Option<PathBuf>,
    /// `RUST_LOG` for the bot; unset by default, so the bot logs as it does in production.
    #[arg(long)]
    bot_log: Option<String>,
    /// Keep the bots' logs in this directory (default: a temporary one, removed at the end).
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Also write every measured call to this CSV file (database, cache, command, call,
    /// `callback_us`, `round_trip_us`), to look at the tail.
    #[arg(long)]
    samples: Option<PathBuf>,
    /// Run the bot with `METRICS_ADDR` set and scrape its /metrics every second (`on`), without
    /// (`off`), or each database and cache both ways, without first (`both`): the cost of
    /// metrics on the commands' latency.
    #[arg(long, value_enum, default_value_t = MetricsMode::Off)]
    metrics: MetricsMode,
}

/// How long a bot may take to connect and answer /about.
const START_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot_binary = match &args.bot {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locate this program")?
            .with_file_name("trakker"),
    };
    anyhow::ensure!(
        bot_binary.exists(),
        "no bot binary at {}; build it with `cargo build --release --bin trakker`",
        bot_binary.display()
    );
    let machine = machine::Machine::describe();
    let command = report::command_line();
    println!("squad benchmark\nmachine: {machine}\ncommand: {command}\n");

    let workdir = tempfile::Builder::new()
        .prefix("trakker-bench-")
        .tempdir()
        .context("create a working directory")?;
    let server = FakeDiscord::start(fakecord::Config::default())
        .await
        .context("start fakecord")?;
    let discord = server.client();
    let guild = discord
        .create_guild(
            GuildSpec::new("Bench Squad")
                .generated_members(args.players)
                .text_channel("general"),
        )
        .await
        .context("create the guild")?;
    let workload = Workload::new(&guild, args.calls, args.warmup, args.gap_ms)?;
    let plan = LedgerPlan {
        guild: guild.id.get(),
        channel: guild.channel("general")?.get(),
        players: workload.player_ids(),
        rows: args.rows,
        days: args.days,
    };

    let mut report = Report::new(machine, command);
    for backend in &args.databases {
        let logs = args.log_dir.as_deref().unwrap_or(workdir.path());
        std::fs::create_dir_all(logs).with_context(|| format!("create {}", logs.display()))?;
        let database =
            BenchDatabase::create(*backend, workdir.path(), logs, &args.postgres_url).await?;
        let outcome =
            measure_database(&args, &bot_binary, &server, &database, &plan, &workload).await;
        // Drop the database whatever happened, then report the failure.
        let dropped = database.drop_database().await;
        report.configurations.extend(outcome?);
        dropped?;
    }
    server.shutdown().await;
    if let Some(path) = &args.samples {
        std::fs::write(path, report.samples_csv())
            .with_context(|| format!("write {}", path.display()))?;
    }
    println!("{report}");
    Ok(())
}

/// Stores the guild, loads the ledger and measures every cache on one database.
async fn measure_database(
    args: &Args,
    bot_binary: &std::path::Path,
    server: &fakecord::RunningServer,
    database: &BenchDatabase,
    plan: &LedgerPlan,
    workload: &Workload,
) -> anyhow::Result<Vec<Configuration>> {
    let launch = |cache: report::CacheKind, log: &str, metrics: bool| Launch {
        binary: bot_binary.to_path_buf(),
        database_url: database.url().to_owned(),
        redis_url: (cache == report::CacheKind::Redis).then(|| args.redis_url.clone()),
        rust_log: args.bot_log.clone(),
        log_file: database.dir().join(log),
        env: metrics::env(metrics),
    };
    // A first bot applies the migrations and stores the guild (the ledger's foreign key).
    let first = Bot::start(
        server,
        &launch(report::CacheKind::Memory, "bot-setup.log", false),
        plan.guild.into(),
        START_TIMEOUT,
    )
    .await?;
    database
        .wait_for_guild(plan.guild, Duration::from_secs(30))
        .await?;
    first.stop().await?;

    let started = Instant::now();
    database.load_ledger(plan).await?;
    let load_time = started.elapsed();
    println!(
        "{}: loaded {} ledger rows in {:.1} s",
        database.backend(),
        plan.rows,
        load_time.as_secs_f64()
    );
    let plans = database
        .query_plans(plan.guild, plan.players[0])
        .await
        .unwrap_or_else(|error| vec![format!("(query plans unavailable: {error:#})")]);
    let server_version = database.server_version().await.unwrap_or_default();

    let mut configurations = Vec::new();
    let runs = args
        .caches
        .iter()
        .flat_map(|cache| args.metrics.runs().iter().map(move |on| (*cache, *on)));
    for (cache, with_metrics) in runs {
        if cache == report::CacheKind::Redis {
            database::flush_redis(&args.redis_url).await?;
        }
        let log = format!(
            "bot-{}-{cache}{}.log",
            database.backend(),
            if with_metrics { "-metrics" } else { "" }
        );
        let bot = Bot::start(
            server,
            &launch(cache, &log, with_metrics),
            plan.guild.into(),
            START_TIMEOUT,
        )
        .await?;
        let scrapes = Arc::new(AtomicU64::new(0));
        let scraping = if with_metrics {
            let addr = bot
                .metrics_address()
                .context("the bot did not log its metrics address")?;
            Some(tokio::spawn(metrics::scrape_until_stopped(
                addr,
                Arc::clone(&scrapes),
            )))
        } else {
            None
        };
        let runs = workload
            .run(&server.client(), database.backend(), cache)
            .await;
        if let Some(task) = scraping {
            metrics::stop_scraping(task).await?;
            println!(
                "{} + {cache}: scraped /metrics {} times",
                database.backend(),
                scrapes.load(Ordering::Relaxed)
            );
        }
        let stopped = bot.stop().await;
        let runs = runs.with_context(|| {
            format!(
                "measuring {} + {cache}; the bot's log is in {}",
                database.backend(),
                database.dir().join(&log).display()
            )
        })?;
        stopped?;
        configurations.push(Configuration {
            backend: database.backend(),
            server_version: server_version.clone(),
            cache,
            metrics: with_metrics,
            rows: plan.rows,
            load_time,
            runs,
            plans: plans.clone(),
        });
    }
    Ok(configurations)
}
