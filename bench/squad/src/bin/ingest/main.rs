//! `ingest`: how many gateway events per second the bot turns into stored counts, end to end,
//! on SQLite and on Postgres; how far the store trails the gateway (flush lag); and the bot's
//! peak memory.
//!
//! One fakecord runs inside this program; the real `trakker` binary runs as a child process
//! against it. The guild has 2,000 generated members and 50 text channels. Per database: start
//! a bot on a fresh database, let members post the messages the reactions will go to, then
//! start fakecord's bulk generator (`MESSAGE_CREATE` and `MESSAGE_REACTION_ADD` calls running
//! at once, as fast as the bot reads its socket) and sample, every `--sample-ms`, the events
//! written to the bot's socket, the store's totals, and CPU time and memory from /proc. The run
//! ends when the store counts every event sent; the bot is then stopped with SIGTERM and its
//! exit line `events=N` checked against what was sent.
//!
//! Module map:
//! - [`load`]: the workload, the bulk calls and the sampler.
//! - [`report`]: rates, flush lag, memory and CPU shares, printed as Markdown.
//! - [`trakker_bench`]: the bot process, the databases, the machine and /proc readings.

mod load;
mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use fakecord::api::{GuildInfo, GuildSpec};
use fakecord::{FakeDiscord, RunningServer, Snowflake};
use trakker_bench::bot::{Bot, Launch};
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::machine::Machine;
use trakker_bench::metrics::MetricsMode;

use crate::load::Workload;
use crate::report::{Measured, Report};

/// The benchmark's knobs; the defaults are the figures recorded in bench/RESULTS.md.
#[derive(Debug, Parser)]
#[command(about = "Sustained gateway events per second into the activity rollups")]
struct Args {
    /// Events sent per database: half messages, half reactions.
    #[arg(long, default_value_t = 500_000)]
    events: u64,
    /// Concurrent bulk calls per kind (messages, reactions).
    #[arg(long, default_value_t = 1)]
    streams: u64,
    /// Guild members posting and reacting.
    #[arg(long, default_value_t = 2000)]
    users: u32,
    /// Text channels they post in.
    #[arg(long, default_value_t = 50)]
    channels: usize,
    /// Messages posted before the run for the reactions to go to.
    #[arg(long, default_value_t = 200)]
    targets: usize,
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    databases: Vec<Backend>,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// `FLUSH_INTERVAL_MS` for the bot; unset by default (the bot's 1,000 ms).
    #[arg(long)]
    flush_ms: Option<u64>,
    /// `RUST_LOG` for the bot; unset by default, so the bot logs as it does in production.
    #[arg(long)]
    bot_log: Option<String>,
    /// How often the sampler reads the store, fakecord and /proc, in milliseconds.
    #[arg(long, default_value_t = 100)]
    sample_ms: u64,
    /// How long to wait, after the last event was written, for the store to count them all.
    #[arg(long, default_value_t = 120)]
    settle_secs: u64,
    /// The bot binary (default: `trakker` beside this program, i.e. target/release/trakker).
    #[arg(long)]
    bot: Option<PathBuf>,
    /// Keep the bots' logs in this directory (default: a temporary one, removed at the end).
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Also write every sample to this CSV file (database, time, sent, stored, CPU, memory).
    #[arg(long)]
    timeline: Option<PathBuf>,
    /// Run the bot with `METRICS_ADDR` set and scrape its /metrics every second (`on`), without
    /// (`off`), or each database both ways, without first (`both`): the cost of metrics.
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
    anyhow::ensure!(
        args.channels > 0 && args.users > 0 && args.targets > 0,
        "--channels, --users and --targets must be at least 1"
    );
    let machine = Machine::describe();
    let command = report::command_line();
    println!("ingest benchmark\nmachine: {machine}\ncommand: {command}\n");

    let workdir = tempfile::Builder::new()
        .prefix("trakker-bench-")
        .tempdir()
        .context("create a working directory")?;
    let server = FakeDiscord::start(fakecord::Config::default())
        .await
        .context("start fakecord")?;
    let mut spec = GuildSpec::new("Bench Ingest").generated_members(args.users);
    for i in 0..args.channels {
        spec = spec.text_channel(format!("chat-{i:02}"));
    }
    let guild = server
        .client()
        .create_guild(spec)
        .await
        .context("create the guild")?;

    let mut settings = Vec::new();
    if let Some(ms) = args.flush_ms {
        settings.push(format!("FLUSH_INTERVAL_MS={ms}"));
    }
    if let Some(filter) = &args.bot_log {
        settings.push(format!("RUST_LOG={filter}"));
    }
    let mut report = Report {
        machine,
        command,
        settings: if settings.is_empty() {
            "production settings (FLUSH_INTERVAL_MS and RUST_LOG unset)".to_owned()
        } else {
            settings.join(", ")
        },
        measured: Vec::new(),
    };
    let runs = args.databases.iter().flat_map(|backend| {
        args.metrics
            .runs()
            .iter()
            .map(move |metrics| (*backend, *metrics))
    });
    for (backend, metrics) in runs {
        let logs = args.log_dir.as_deref().unwrap_or(workdir.path());
        std::fs::create_dir_all(logs).with_context(|| format!("create {}", logs.display()))?;
        let database =
            BenchDatabase::create(backend, workdir.path(), logs, &args.postgres_url).await?;
        let outcome = measure(&args, &bot_binary, &server, &database, &guild, metrics).await;
        let dropped = database.drop_database().await;
        let measured = outcome?;
        dropped?;
        println!(
            "{}: {} events sent in {:.1} s, all stored after {}",
            measured.backend,
            measured.sent,
            measured.run.sending.as_secs_f64(),
            measured.run.stored_all.map_or_else(
                || "never".to_owned(),
                |at| format!("{:.1} s", at.as_secs_f64())
            )
        );
        report.measured.push(measured);
    }
    server.shutdown().await;
    if let Some(path) = &args.timeline {
        let mut csv = report::TIMELINE_HEADER.to_owned();
        for measured in &report.measured {
            measured.timeline_csv(&mut csv);
        }
        std::fs::write(path, csv).with_context(|| format!("write {}", path.display()))?;
    }
    println!("\n{report}");
    Ok(())
}

/// The members and channels the generator picks from, as the guild was created.
fn pools(guild: &GuildInfo, args: &Args) -> (Vec<Snowflake>, Vec<Snowflake>) {
    let users: Vec<Snowflake> = guild
        .members
        .iter()
        .filter(|(name, _)| name.starts_with("member-"))
        .map(|(_, id)| *id)
        .collect();
    let channels: Vec<Snowflake> = (0..args.channels)
        .filter_map(|i| guild.channel(&format!("chat-{i:02}")).ok())
        .collect();
    (users, channels)
}

/// Starts a bot on `database`, runs the load and stops the bot.
async fn measure(
    args: &Args,
    bot_binary: &std::path::Path,
    server: &RunningServer,
    database: &BenchDatabase,
    guild: &GuildInfo,
    metrics: bool,
) -> anyhow::Result<Measured> {
    let log = format!(
        "bot-ingest-{}{}.log",
        database.backend(),
        if metrics { "-metrics" } else { "" }
    );
    let mut env: Vec<(String, String)> = args
        .flush_ms
        .map(|ms| ("FLUSH_INTERVAL_MS".to_owned(), ms.to_string()))
        .into_iter()
        .collect();
    env.extend(trakker_bench::metrics::env(metrics));
    let launch = Launch {
        binary: bot_binary.to_path_buf(),
        database_url: database.url().to_owned(),
        redis_url: None,
        rust_log: args.bot_log.clone(),
        log_file: database.dir().join(&log),
        env,
    };
    let bot = Bot::start(server, &launch, guild.id, START_TIMEOUT).await?;
    let pid = bot.pid().context("the bot exited")?;
    println!("{}: bot pid {pid}", database.backend());
    let scrapes = Arc::new(AtomicU64::new(0));
    let scraping = if metrics {
        let addr = bot
            .metrics_address()
            .context("the bot did not log its metrics address")?;
        Some(tokio::spawn(trakker_bench::metrics::scrape_until_stopped(
            addr,
            Arc::clone(&scrapes),
        )))
    } else {
        None
    };
    let outcome = drive(args, server, database, guild, pid).await;
    if let Some(task) = scraping {
        trakker_bench::metrics::stop_scraping(task).await?;
        println!(
            "{}: scraped /metrics {} times",
            database.backend(),
            scrapes.load(Ordering::Relaxed)
        );
    }
    let stopped = bot.stop().await;
    let (run, baseline) = outcome.with_context(|| {
        format!(
            "measuring {}; the bot's log is in {}",
            database.backend(),
            database.dir().join(&log).display()
        )
    })?;
    let bot_log = stopped?;
    let server_version = database.server_version().await.unwrap_or_default();
    Ok(Measured {
        metrics,
        backend: database.backend(),
        server_version,
        sent: args.events,
        baseline,
        logged: report::logged_events(&bot_log),
        run,
    })
}

/// Posts the reaction targets, waits for the store to count them, and runs the load.
async fn drive(
    args: &Args,
    server: &RunningServer,
    database: &BenchDatabase,
    guild: &GuildInfo,
    pid: u32,
) -> anyhow::Result<(load::RunResult, u64)> {
    let discord = server.client();
    database
        .wait_for_guild(guild.id.get(), Duration::from_secs(30))
        .await?;
    let (users, channels) = pools(guild, args);
    anyhow::ensure!(
        !users.is_empty() && !channels.is_empty(),
        "the guild has no generated members or no chat channels"
    );
    let targets = load::post_targets(&discord, guild.id, &users, &channels, args.targets).await?;
    let mut reader = database.activity_reader().await?;
    let baseline = load::wait_for_store(
        &mut reader,
        guild.id,
        u64::try_from(targets.len())?,
        Duration::from_secs(30),
    )
    .await?
    .events();
    let workload = Workload {
        guild: guild.id,
        messages: args.events / 2,
        reactions: args.events - args.events / 2,
        streams: args.streams,
        users,
        channels,
        targets,
    };
    let run = load::run(
        &discord,
        reader,
        pid,
        &workload,
        Duration::from_millis(args.sample_ms.max(1)),
        Duration::from_secs(args.settle_secs),
    )
    .await?;
    Ok((run, baseline))
}
