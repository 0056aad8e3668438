//! The bot's footprint: the size of its release binary, how long it takes to start (to a
//! connected gateway session, and to the first command answered), and the memory it holds once
//! idle after READY, with one small guild and with many guilds of many members.
//!
//! ```sh
//! cargo build --release -p trakker --bin trakker
//! cargo build --release -p trakker-bench --bin footprint
//! target/release/footprint --bot target/release/trakker
//! ```
//!
//! Build the bot on its own (first line) for the size: built together with the benchmarks, cargo
//! unifies dependency features and the binary carries what only the benchmarks use.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use fakecord::api::GuildSpec;
use fakecord::{FakeDiscord, RunningServer, Snowflake};
use trakker_bench::bot::{Bot, Launch, Startup};
use trakker_bench::machine::Machine;
use trakker_bench::proc_stats::ProcessSample;

#[derive(Debug, Parser)]
#[command(about = "Binary size, start-up time and idle memory of the trakker binary")]
struct Args {
    /// The bot binary (default: `trakker` beside this program, i.e. target/release/trakker).
    #[arg(long)]
    bot: Option<PathBuf>,
    /// Starts measured on the small guild; the first creates the database.
    #[arg(long, default_value_t = 5)]
    starts: usize,
    /// Guilds of the large case.
    #[arg(long, default_value_t = 1000)]
    guilds: usize,
    /// Members per guild of the large case.
    #[arg(long, default_value_t = 100)]
    members: u32,
    /// How long the bot idles after start-up before its memory is read.
    #[arg(long, default_value_t = 10)]
    idle_secs: u64,
}

/// How long a start may take before the bench gives up.
const START_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot = match &args.bot {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locate this program")?
            .with_file_name("trakker"),
    };
    let size = std::fs::metadata(&bot)
        .with_context(|| format!("no bot binary at {}", bot.display()))?
        .len();
    let workdir = tempfile::Builder::new()
        .prefix("trakker-footprint-")
        .tempdir()
        .context("create a working directory")?;
    println!(
        "footprint benchmark\nmachine: {}\ncommand: {}\n",
        Machine::describe(),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    #[expect(clippy::cast_precision_loss, reason = "a file size in MB")]
    let megabytes = size as f64 / 1_000_000.0;
    println!(
        "binary: {} — {size} bytes ({megabytes:.2} MB)",
        bot.display()
    );

    let small = FakeDiscord::start(fakecord::Config::default()).await?;
    let guild = small
        .client()
        .create_guild(
            GuildSpec::new("Small")
                .generated_members(10)
                .text_channel("general"),
        )
        .await?;
    let small_bot = launch(&bot, workdir.path(), "small");
    let mut starts = Vec::new();
    let mut idle = None;
    for n in 0..args.starts {
        let running = Bot::start(&small, &small_bot, guild.id, START_TIMEOUT).await?;
        starts.push(running.startup);
        if n == 0 {
            idle = Some(idle_memory(&running, args.idle_secs).await?);
        }
        running.stop().await?;
    }
    small.shutdown().await;
    print_starts(&starts);
    if let Some(sample) = idle {
        println!(
            "small guild (10 members), idle {} s after READY: RSS {:.1} MiB (peak {:.1} MiB)",
            args.idle_secs,
            mib(sample.rss_kib),
            mib(sample.peak_rss_kib)
        );
    }

    let (large, first) = large_server(args.guilds, args.members).await?;
    let large_bot = launch(&bot, workdir.path(), "large");
    let running = Bot::start(&large, &large_bot, first, START_TIMEOUT).await?;
    let startup = running.startup;
    let sample = idle_memory(&running, args.idle_secs).await?;
    running.stop().await?;
    large.shutdown().await;
    println!(
        "{} guilds × {} members: READY after {:.2} s, /about answered after {:.2} s; idle {} s after: RSS {:.1} MiB (peak {:.1} MiB)",
        args.guilds,
        args.members,
        startup.ready.as_secs_f64(),
        startup.answered.as_secs_f64(),
        args.idle_secs,
        mib(sample.rss_kib),
        mib(sample.peak_rss_kib)
    );
    Ok(())
}

/// The bot on a SQLite file of its own in `dir`, with production settings otherwise.
fn launch(bot: &std::path::Path, dir: &std::path::Path, name: &str) -> Launch {
    Launch {
        binary: bot.to_path_buf(),
        database_url: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
        redis_url: None,
        rust_log: None,
        log_file: dir.join(format!("{name}.log")),
        env: Vec::new(),
    }
}

/// A fakecord holding `guilds` guilds of `members` generated members each; the first guild's id.
async fn large_server(guilds: usize, members: u32) -> anyhow::Result<(RunningServer, Snowflake)> {
    let server = FakeDiscord::start(fakecord::Config::default()).await?;
    let client = server.client();
    let mut first = None;
    for n in 0..guilds {
        let guild = client
            .create_guild(
                GuildSpec::new(format!("Guild {n}"))
                    .generated_members(members)
                    .text_channel("general"),
            )
            .await?;
        first.get_or_insert(guild.id);
    }
    let first = first.context("--guilds must be at least 1")?;
    Ok((server, first))
}

/// Waits `idle_secs`, then reads the bot's memory.
async fn idle_memory(bot: &Bot, idle_secs: u64) -> anyhow::Result<ProcessSample> {
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let pid = bot.pid().context("the bot exited")?;
    ProcessSample::read(pid).context("read the bot's memory")
}

fn print_starts(starts: &[Startup]) {
    let Some((first, rest)) = starts.split_first() else {
        return;
    };
    println!(
        "first start (creates and migrates the database): READY after {:.3} s, /about answered after {:.3} s",
        first.ready.as_secs_f64(),
        first.answered.as_secs_f64()
    );
    if rest.is_empty() {
        return;
    }
    let median = |pick: fn(&Startup) -> Duration| {
        let mut values: Vec<Duration> = rest.iter().map(pick).collect();
        values.sort_unstable();
        values[values.len() / 2]
    };
    println!(
        "later starts ({}), median: READY after {:.3} s, /about answered after {:.3} s",
        rest.len(),
        median(|s| s.ready).as_secs_f64(),
        median(|s| s.answered).as_secs_f64()
    );
}

#[expect(clippy::cast_precision_loss, reason = "KiB to MiB for a report")]
fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
