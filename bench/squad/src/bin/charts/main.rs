//! `charts`: the moderator charts' steps timed on our side and on the Python reference
//! (`shared/anchors`), on the same synthetic community in the same run.
//!
//! Per scale: make the data set with `gen.py` if it is missing, run `anchor.py` on it (unless
//! `--skip-anchor`), then per database: create a fresh store with trakker's migrations, load
//! the community into it, time our steps (`--repeats` runs each), check what they read against
//! what was loaded, and drop the database. At the end, print a Markdown report (also written to
//! `--out`) with the machine and the command.
//!
//! Module map:
//! - [`anchor`]: running `gen.py` and `anchor.py`, reading the anchor's results.
//! - [`load`]: a data set into a store: guild, members, voice ledger, hourly message rollups.
//! - [`pool`]: the pool behind a store, for the bulk load.
//! - [`ours`]: our steps, the one place where a step is added, and the chart paths.
//! - [`timing`]: repeats, median and minimum, peak memory of a step.
//! - [`report`]: the Markdown.

mod anchor;
mod load;
mod ours;
mod pool;
mod report;
mod timing;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::GuildId;
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::machine::Machine;

use crate::anchor::{AnchorResults, Anchors};
use crate::report::{Report, Section};
use crate::timing::StepTimer;

/// The benchmark's knobs.
#[derive(Debug, Parser)]
#[command(about = "The moderator charts' steps, ours against the Python reference, same data")]
struct Args {
    /// Scales of `gen.py`, in order.
    #[arg(long, value_delimiter = ',', default_value = "small,medium,large")]
    scales: Vec<String>,
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<Backend>,
    /// Runs per step, on both sides.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Do not run `anchor.py`: our figures only.
    #[arg(long)]
    skip_anchor: bool,
    /// An extra argument for `anchor.py` (repeatable), e.g. `--anchor-arg=--skip-py-sweep`.
    #[arg(long = "anchor-arg", allow_hyphen_values = true)]
    anchor_extra: Vec<String>,
    /// The Python interpreter of the anchors' venv.
    #[arg(
        long,
        env = "ANCHORS_PYTHON",
        default_value = "/tmp/anchors-venv/bin/python"
    )]
    python: PathBuf,
    /// The anchors' folder (`gen.py`, `anchor.py`); only read.
    #[arg(long, env = "ANCHORS_DIR", default_value = "/work/shared/anchors")]
    anchors_dir: PathBuf,
    /// Where data sets (`data/<scale>`), the anchor's PNGs (`out/<scale>`) and results
    /// (`results_<scale>.json`) go.
    #[arg(long, default_value = "/tmp/anchors")]
    work_dir: PathBuf,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Also write the report to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The guild the community is loaded as.
const GUILD: GuildId = GuildId(1);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let anchors = Anchors {
        dir: args.anchors_dir.clone(),
        python: args.python.clone(),
        work_dir: args.work_dir.clone(),
    };
    if !args.skip_anchor {
        if let Err(missing) = anchors.check_python() {
            // The message is the fix; a backtrace would only bury it.
            eprintln!("{missing}");
            std::process::exit(2);
        }
    }
    std::fs::create_dir_all(&args.work_dir)
        .with_context(|| format!("create {}", args.work_dir.display()))?;
    let mut report = Report {
        machine: Machine::describe().to_string(),
        command: report::command_line(),
        repeats: args.repeats.max(1),
        sections: Vec::new(),
    };
    println!(
        "charts benchmark\nmachine: {}\ncommand: {}\n",
        report.machine, report.command
    );

    for scale in &args.scales {
        let data = anchors.data_set(scale, None)?;
        let anchor = if args.skip_anchor {
            None
        } else {
            println!(
                "anchor.py --scale {scale}, {} runs per step",
                report.repeats
            );
            let (results, json) =
                anchors.run_anchor(scale, &data, report.repeats, &args.anchor_extra)?;
            println!("anchor results: {}\n", json.display());
            Some(Arc::new(results))
        };
        for &backend in &args.backends {
            let section = measure(&args, scale, backend, &data, anchor.clone()).await?;
            println!("{section}");
            report.sections.push(section);
            if let Some(out) = &args.out {
                // Written after every section, so an interrupted run keeps what it measured.
                std::fs::write(out, report.to_string())
                    .with_context(|| format!("write {}", out.display()))?;
            }
        }
    }

    println!("\n{report}");
    if let Some(out) = &args.out {
        println!("report written to {}", out.display());
    }
    Ok(())
}

/// One scale on one database: a fresh database, the load, our steps; the database is dropped
/// whatever happened.
async fn measure(
    args: &Args,
    scale: &str,
    backend: Backend,
    data: &std::path::Path,
    anchor: Option<Arc<AnchorResults>>,
) -> anyhow::Result<Section> {
    let workdir = tempfile::Builder::new()
        .prefix("trakker-charts-")
        .tempdir()
        .context("create a working directory")?;
    let database =
        BenchDatabase::create(backend, workdir.path(), workdir.path(), &args.postgres_url).await?;
    let measured = measure_on(args, scale, &database, data, anchor).await;
    let dropped = database.drop_database().await;
    let section = measured?;
    dropped?;
    Ok(section)
}

async fn measure_on(
    args: &Args,
    scale: &str,
    database: &BenchDatabase,
    data: &std::path::Path,
    anchor: Option<Arc<AnchorResults>>,
) -> anyhow::Result<Section> {
    let backend = database.backend();
    let url = DatabaseUrl::parse(database.url()).context("the database URL")?;
    let store = trakker::store::connect(&url, true)
        .await
        .with_context(|| format!("open the {backend} store with its migrations"))?;
    println!("{scale} on {backend}: loading {}", data.display());
    let loaded = load::load(&*store, data, GUILD).await?;
    println!(
        "{scale} on {backend}: loaded in {} (members {}, voice {}, messages {})",
        report::secs(loaded.took()),
        report::secs(loaded.members_took),
        report::secs(loaded.voice_took),
        report::secs(loaded.messages_took),
    );
    let mut timer = StepTimer::new(args.repeats);
    let produced = ours::run_steps(&mut timer, &*store, GUILD, loaded.period).await;
    store.close().await;
    let server_version = database.server_version().await?;
    Ok(Section {
        scale: scale.to_owned(),
        backend,
        server_version,
        loaded,
        produced: produced?,
        steps: timer.into_steps(),
        anchor,
    })
}
