//! `trakker export` as the operator runs it: a child process writing CSV files, timed, its peak
//! memory read from /proc while it runs.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use trakker::domain::ids::GuildId;
use trakker_bench::proc_stats::ProcessSample;

/// One export as measured.
struct Run {
    what: &'static str,
    days: Option<u32>,
    rows: u64,
    bytes: u64,
    seconds: f64,
    peak_mib: f64,
}

/// Exports the whole ledger, a tenth of it (the last ten of its hundred days) and the voice
/// stays; returns the report's table.
pub async fn run(bot: &Path, url: &str, guild: GuildId, dir: &Path) -> anyhow::Result<String> {
    let mut runs = Vec::new();
    for (what, days) in [("ledger", Some(10)), ("ledger", None), ("voice", None)] {
        runs.push(export(bot, url, guild, dir, what, days).await?);
    }
    let mut table = "| `trakker export` | rows | file | time | peak memory |\n\
                     | --- | ---: | ---: | ---: | ---: |\n"
        .to_owned();
    for run in &runs {
        let _ = writeln!(
            table,
            "| `--what {}{}` | {} | {:.1} MiB | {:.2} s | {:.1} MiB |",
            run.what,
            run.days
                .map_or(String::new(), |days| format!(" --days {days}")),
            run.rows,
            mib(run.bytes),
            run.seconds,
            run.peak_mib
        );
    }
    table.push('\n');
    Ok(table)
}

#[expect(clippy::cast_precision_loss, reason = "sizes far below 2^52")]
fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// A run of the bot binary as the operator makes it: wall time, peak memory and what it printed.
pub struct Child {
    /// Wall time.
    pub seconds: f64,
    /// The process's peak resident memory.
    pub peak_mib: f64,
    /// What it printed on stdout.
    pub stdout: String,
}

/// Runs `bot` with `args` and only `DATABASE_URL` set, sampling its memory every 5 ms.
pub async fn child(bot: &Path, args: &[String], url: &str) -> anyhow::Result<Child> {
    let mut command = tokio::process::Command::new(bot);
    command
        .args(args)
        .env_clear()
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("start trakker {}", args.join(" ")))?;
    let pid = child.id().context("the child's pid")?;
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        while let Some(sample) = ProcessSample::read(pid) {
            peak = peak.max(sample.peak_rss_kib);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        peak
    });
    let output = child.wait_with_output().await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = sampler.await?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(
        output.status.success(),
        "trakker {} failed: {stdout}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    #[expect(clippy::cast_precision_loss, reason = "sizes far below 2^52")]
    let peak_mib = peak as f64 / 1024.0;
    Ok(Child {
        seconds,
        peak_mib,
        stdout,
    })
}

async fn export(
    bot: &Path,
    url: &str,
    guild: GuildId,
    dir: &Path,
    what: &'static str,
    days: Option<u32>,
) -> anyhow::Result<Run> {
    let out = dir.join("exports");
    std::fs::create_dir_all(&out)?;
    let mut args: Vec<String> = [
        "export",
        "--guild",
        &guild.0.to_string(),
        "--what",
        what,
        "--out",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.push(out.display().to_string());
    if let Some(days) = days {
        args.extend(["--days".to_owned(), days.to_string()]);
    }
    let run = child(bot, &args, url).await?;
    let rows = run
        .stdout
        .lines()
        .find_map(|line| {
            line.rsplit_once(": ")?
                .1
                .strip_suffix(" rows")?
                .parse()
                .ok()
        })
        .context("the export says how many rows it wrote")?;
    let file = out.join(format!("trakker-{}-{what}.csv", guild.0));
    let bytes = std::fs::metadata(&file)?.len();
    Ok(Run {
        what,
        days,
        rows,
        bytes,
        seconds: run.seconds,
        peak_mib: run.peak_mib,
    })
}
