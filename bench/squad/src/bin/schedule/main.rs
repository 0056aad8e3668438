//! `schedule`: the daily "who plays when" post under load, end to end through fakecord.
//!
//! Three scenarios, each picked with `--scenarios`:
//!
//! - **posts**: `--guilds` guilds (1,000) whose post falls due in the same minute, on each of
//!   `--databases` and with and without Discord's rate limits in fakecord (`--limits`). The
//!   settings are written through the bot's own store and service (`Schedules::set_up`, what
//!   /schedule setup calls), then the real `trakker` binary starts with its clock
//!   (`CLOCK_START`) `--lead-secs` before the post time and its scheduler makes every post.
//!   Measured from fakecord's request log: time from the due instant until every post is made
//!   and every reaction added, requests refused with 429 (and those refused more than once),
//!   and, from the channels, posts made twice.
//! - **render**: a 200-member board (`--members`) rendered by `DailyBoard::render`, and the
//!   service's path after one reaction (store the reaction, read the marks, render) on each
//!   database; median and p99.
//! - **burst**: 100 reactions (`--burst-reactions`) within 10 seconds (`--burst-secs`) on one
//!   post of a running bot: how many edits the post gets, how long after the last reaction the
//!   final edit lands, and whether the final text is exactly the board of those reactions.
//!
//! Module map:
//! - [`posts`]: the many-guilds scenario.
//! - [`render`]: the render timings.
//! - [`burst`]: the reaction burst.
//! - [`setup`]: guilds in fakecord and their settings in the store, shared by the scenarios.
//! - [`report`]: percentiles and the Markdown tables.
//! - [`trakker_bench`]: the bot process, the databases, the machine.

mod burst;
mod posts;
mod render;
mod report;
mod setup;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::machine::Machine;

/// Which scenarios to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// Many guilds whose post is due in the same minute.
    Posts,
    /// A 200-member board rendered after one reaction.
    Render,
    /// A burst of reactions on one post.
    Burst,
}

/// Whether fakecord enforces Discord's REST rate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Limits {
    /// Discord's: 50 requests a second, one reaction per 250 ms per channel.
    Discord,
    /// None.
    Off,
}

impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Discord => "Discord's",
            Self::Off => "off",
        })
    }
}

/// The benchmark's knobs; the defaults are the figures recorded in bench/RESULTS.md.
#[derive(Debug, Parser)]
#[command(about = "The daily schedule post: many guilds at once, rendering, reaction bursts")]
pub(crate) struct Args {
    /// Scenarios to run, in order.
    #[arg(long, value_delimiter = ',', default_value = "render,burst,posts")]
    scenarios: Vec<Scenario>,
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    databases: Vec<Backend>,
    /// posts: fakecord's rate limits, each in turn.
    #[arg(long, value_delimiter = ',', default_value = "discord,off")]
    limits: Vec<Limits>,
    /// posts: guilds whose post is due in the same minute.
    #[arg(long, default_value_t = 1000)]
    pub(crate) guilds: u32,
    /// Hours each post lists (one reaction each, plus "not today"). The posts scenario's time
    /// grows with it: every reaction is a request, paced per channel.
    #[arg(long, default_value_t = 3)]
    pub(crate) window_hours: u8,
    /// posts: how long before the post time the bot's clock starts. More than the scheduler's
    /// 30 s look interval, so its second look (after every guild arrived) sees the post coming.
    #[arg(long, default_value_t = 40)]
    pub(crate) lead_secs: u64,
    /// posts: give up waiting for the posts this long after the due instant.
    #[arg(long, default_value_t = 900)]
    pub(crate) deadline_secs: u64,
    /// render: members on the board.
    #[arg(long, default_value_t = 200)]
    pub(crate) members: u32,
    /// render: timed renders of the board alone.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) renders: u32,
    /// render: timed reactions through the service (store + render) per database.
    #[arg(long, default_value_t = 1000)]
    pub(crate) service_renders: u32,
    /// burst: reactions on the post.
    #[arg(long, default_value_t = 100)]
    pub(crate) burst_reactions: u32,
    /// burst: the time they are spread over, evenly.
    #[arg(long, default_value_t = 10)]
    pub(crate) burst_secs: u64,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub(crate) postgres_url: String,
    /// `RUST_LOG` for the bot; unset by default, so the bot logs as it does in production.
    #[arg(long)]
    pub(crate) bot_log: Option<String>,
    /// The bot binary (default: `trakker` beside this program, i.e. target/release/trakker).
    #[arg(long)]
    bot: Option<PathBuf>,
    /// Keep the bots' logs in this directory (default: a temporary one, removed at the end).
    #[arg(long)]
    log_dir: Option<PathBuf>,
}

/// What every scenario needs to run a bot.
pub(crate) struct Env<'a> {
    /// The command-line arguments.
    pub args: &'a Args,
    /// The `trakker` binary.
    pub bot: PathBuf,
    /// Where the bots' logs go.
    pub logs: PathBuf,
}

impl Env<'_> {
    /// A fresh, empty database in its own directory under `workdir`, with migrations applied.
    pub(crate) async fn database(
        &self,
        backend: Backend,
        workdir: &Path,
        name: &str,
    ) -> anyhow::Result<BenchDatabase> {
        let dir = workdir.join(format!("{name}-{backend}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        BenchDatabase::create(backend, &dir, &self.logs, &self.args.postgres_url).await
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot = match &args.bot {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locate this program")?
            .with_file_name("trakker"),
    };
    anyhow::ensure!(
        bot.exists(),
        "no bot binary at {}; build it with `cargo build --release -p trakker -p trakker-bench`",
        bot.display()
    );
    anyhow::ensure!(
        (1..=20).contains(&args.window_hours),
        "--window-hours must be 1 to 20, as /schedule setup allows"
    );
    anyhow::ensure!(
        args.guilds > 0 && args.members > 0 && args.burst_reactions > 0,
        "--guilds, --members and --burst-reactions must be at least 1"
    );
    let machine = Machine::describe();
    let command = report::command_line();
    println!("schedule benchmark\nmachine: {machine}\ncommand: {command}\n");

    let workdir = tempfile::Builder::new()
        .prefix("trakker-bench-")
        .tempdir()
        .context("create a working directory")?;
    let logs = args
        .log_dir
        .clone()
        .unwrap_or_else(|| workdir.path().to_path_buf());
    std::fs::create_dir_all(&logs).with_context(|| format!("create {}", logs.display()))?;
    let env = Env {
        args: &args,
        bot,
        logs,
    };

    let mut tables = Vec::new();
    for scenario in &args.scenarios {
        match scenario {
            Scenario::Render => {
                let board = render::board_alone(&args);
                println!("{board}");
                let mut service = Vec::new();
                for backend in &args.databases {
                    let database = env.database(*backend, workdir.path(), "render").await?;
                    let measured = render::service(&env, &database).await;
                    database.drop_database().await?;
                    let measured = measured?;
                    println!("{measured}");
                    service.push(measured);
                }
                tables.push(report::render_table(&board, &service));
            }
            Scenario::Burst => {
                let mut rows = Vec::new();
                for backend in &args.databases {
                    let database = env.database(*backend, workdir.path(), "burst").await?;
                    let measured = burst::run(&env, &database).await;
                    database.drop_database().await?;
                    let measured = measured?;
                    println!("{measured}");
                    rows.push(measured);
                }
                tables.push(report::burst_table(&rows));
            }
            Scenario::Posts => {
                let mut rows = Vec::new();
                for backend in &args.databases {
                    for limits in &args.limits {
                        let database = env.database(*backend, workdir.path(), "posts").await?;
                        let measured = posts::run(&env, &database, *limits).await;
                        database.drop_database().await?;
                        let measured = measured?;
                        println!("{measured}");
                        rows.push(measured);
                    }
                }
                tables.push(report::posts_table(&rows));
            }
        }
    }
    println!("\nmachine: {machine}\ncommand: {command}\n");
    for table in tables {
        println!("{table}");
    }
    Ok(())
}

/// How long a bot may take to connect and answer /about.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(120);
