//! `privacy`: the data a server owns, at scale. Per database: a fresh store with trakker's
//! migrations, a kill ledger of `--ledger-rows` and `--voice-stays` stays loaded in bulk, then
//!
//! - **export**: `trakker export` (the real binary, a child process) writes the ledger and the
//!   voice stays as CSV; wall time and the process's peak memory, for the whole table and for a
//!   tenth of it, so a memory that grows with rows would show;
//! - **backup, restore, migrate-data**: the same database backed up, restored into a new one,
//!   and (from SQLite) copied into a new Postgres database, each timed with its peak memory;
//! - **retention**: `--rollup-rows` hourly message rows older than the retention are loaded,
//!   then the retention task's own purge removes them while the ingest pipeline takes
//!   `--events-per-second`; the lag from recording an event to reading it back from the
//!   database is sampled all along.
//!
//! Prints a Markdown report (also written to `--out`) with the machine and the command.

mod data;
mod export;
mod load;
mod retention;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::GuildId;
use trakker::store::{GuildRecord, Store};
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::machine::Machine;

/// The benchmark's knobs.
#[derive(Debug, Parser)]
#[command(about = "Exports and retention on a large server")]
struct Args {
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<Backend>,
    /// Kill ledger entries loaded.
    #[arg(long, default_value_t = 1_000_000)]
    ledger_rows: u64,
    /// Voice stays loaded.
    #[arg(long, default_value_t = 700_000)]
    voice_stays: u64,
    /// Old hourly message rows the retention pass removes.
    #[arg(long, default_value_t = 10_000_000)]
    rollup_rows: u64,
    /// Events per second the ingest pipeline takes during the retention pass.
    #[arg(long, default_value_t = 10_000)]
    events_per_second: u64,
    /// The bot binary (default: `trakker` beside this program, i.e. target/release/trakker).
    #[arg(long)]
    bot: Option<PathBuf>,
    /// Where the SQLite file and the exported files go.
    #[arg(long, default_value = "/tmp/trakker-privacy-bench")]
    work_dir: PathBuf,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Parts to measure: `export`, `data` (backup, restore, migrate-data), `retention`.
    #[arg(long, value_delimiter = ',', default_value = "export,data,retention")]
    parts: Vec<String>,
    /// Also write the report to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Args {
    /// Whether `part` was asked for.
    fn wants(&self, part: &str) -> bool {
        self.parts.iter().any(|asked| asked == part)
    }
}

/// The guild everything is loaded as.
const GUILD: GuildId = GuildId(990_000_000_000_000_001);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot = match &args.bot {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the program has a directory")?
            .join("trakker"),
    };
    anyhow::ensure!(
        bot.exists(),
        "no bot binary at {}; build it with `cargo build --release --bin trakker`",
        bot.display()
    );
    let mut report = format!(
        "machine: {}\n\ncommand: `{}`\n",
        Machine::describe(),
        command_line()
    );
    println!("privacy benchmark\n{report}");
    for backend in &args.backends {
        let dir = args.work_dir.join(backend.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        let database = BenchDatabase::create(*backend, &dir, &dir, &args.postgres_url).await?;
        let section = measure(&args, &bot, &database, &dir).await;
        database.drop_database().await?;
        let section = section?;
        println!("{section}");
        report.push_str(&section);
    }
    if let Some(out) = &args.out {
        std::fs::write(out, &report).with_context(|| format!("write {}", out.display()))?;
    }
    Ok(())
}

async fn measure(
    args: &Args,
    bot: &std::path::Path,
    database: &BenchDatabase,
    dir: &std::path::Path,
) -> anyhow::Result<String> {
    let url = DatabaseUrl::parse(database.url()).context("the bench database URL")?;
    let store: Arc<dyn Store> = trakker::store::connect(&url, true).await?.into();
    store
        .upsert_guild(&GuildRecord {
            id: GUILD,
            name: "privacy bench".to_owned(),
            joined_at: chrono::Utc::now() - chrono::Duration::days(400),
            left_at: None,
        })
        .await?;
    let mut section = format!("\n### {}\n\n", database.server_version().await?);
    let loaded =
        load::ledger_and_stays(database, GUILD, args.ledger_rows, args.voice_stays).await?;
    let _ = write!(
        section,
        "Loaded {} ledger rows and {} voice stays in {:.1} s.\n\n",
        args.ledger_rows,
        args.voice_stays,
        loaded.as_secs_f64()
    );
    if args.wants("export") {
        section.push_str(&export::run(bot, database.url(), GUILD, dir).await?);
    }
    if args.wants("data") {
        section.push_str(&data::run(bot, database, dir, &args.postgres_url).await?);
    }
    if args.wants("retention") {
        section.push_str(&retention::run(&store, database, GUILD, args).await?);
    }
    store.close().await;
    Ok(section)
}

/// How to run this again, as it was run.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut line = "cargo build --release -p trakker -p trakker-bench --bin trakker --bin privacy \
                    && target/release/privacy"
        .to_owned();
    for arg in args {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}
