//! The figures: percentiles per command and configuration, ratios within one run, the load
//! times and the query plans, printed as Markdown ready for bench/RESULTS.md.

use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::measure::{Command, Run, Sample};
use trakker_bench::database::Backend;
use trakker_bench::machine::Machine;

/// Which cache the bot runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CacheKind {
    /// The in-process cache (no `REDIS_URL`).
    Memory,
    /// Redis.
    Redis,
}

impl fmt::Display for CacheKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Memory => "memory",
            Self::Redis => "Redis",
        })
    }
}

/// One database and cache, measured.
pub(crate) struct Configuration {
    /// The database.
    pub backend: Backend,
    /// Its version.
    pub server_version: String,
    /// The cache.
    pub cache: CacheKind,
    /// Whether the bot ran its metrics server (scraped every second).
    pub metrics: bool,
    /// Ledger rows loaded.
    pub rows: u64,
    /// How long the load took.
    pub load_time: Duration,
    /// Every command's run.
    pub runs: Vec<Run>,
    /// Query plans on this database.
    pub plans: Vec<String>,
}

impl Configuration {
    /// The cache, and "+ metrics" when the bot ran its metrics server.
    fn cache_label(&self) -> String {
        if self.metrics {
            format!("{} + metrics", self.cache)
        } else {
            self.cache.to_string()
        }
    }
}

/// Everything printed at the end.
pub(crate) struct Report {
    machine: Machine,
    command: String,
    /// The configurations, in the order measured.
    pub configurations: Vec<Configuration>,
}

impl Report {
    /// An empty report.
    pub(crate) fn new(machine: Machine, command: String) -> Self {
        Self {
            machine,
            command,
            configurations: Vec::new(),
        }
    }
}

impl Report {
    /// Every measured call, one CSV line each.
    pub(crate) fn samples_csv(&self) -> String {
        let mut out = String::from("database,cache,command,call,callback_us,round_trip_us\n");
        for config in &self.configurations {
            for run in &config.runs {
                for (i, sample) in run.samples.iter().enumerate() {
                    writeln!(
                        out,
                        "{},{},{},{i},{},{}",
                        config.backend,
                        config.cache_label(),
                        run.command.label(),
                        sample.callback.as_micros(),
                        sample.round_trip.as_micros()
                    )
                    .expect("writing to a String cannot fail");
                }
            }
        }
        out
    }
}

/// How to run this again, as it was run.
pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut line =
        "cargo build --release -p trakker -p trakker-bench --bin trakker --bin squad && target/release/squad".to_owned();
    for arg in args {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}

/// Nearest-rank percentile of sorted durations, in milliseconds.
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank between 1 and the sample count"
    )]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    ms(sorted[rank - 1])
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The percentiles of one series.
struct Summary {
    p50: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl Summary {
    fn of(samples: &[Sample], pick: fn(&Sample) -> Duration) -> Self {
        let mut sorted: Vec<Duration> = samples.iter().map(pick).collect();
        sorted.sort_unstable();
        let total: Duration = sorted.iter().sum();
        #[expect(
            clippy::cast_precision_loss,
            reason = "sample counts are far below 2^52"
        )]
        let mean = ms(total) / sorted.len().max(1) as f64;
        Self {
            p50: percentile_ms(&sorted, 0.50),
            p99: percentile_ms(&sorted, 0.99),
            max: sorted.last().copied().map_or(f64::NAN, ms),
            mean,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "## squad: interaction dispatched → bot callback\n")?;
        writeln!(f, "machine: {}", self.machine)?;
        writeln!(f, "command: `{}`\n", self.command)?;
        writeln!(
            f,
            "| database | cache | command | calls | p50 ms | p99 ms | max ms | mean ms | p99/p50 | p50 − /about p50 | cold ms | round trip p50 ms | target p99 |"
        )?;
        writeln!(
            f,
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
        )?;
        for config in &self.configurations {
            let floor = config
                .runs
                .iter()
                .find(|run| run.command == Command::About)
                .map(|run| Summary::of(&run.samples, |s| s.callback).p50);
            for run in &config.runs {
                let callback = Summary::of(&run.samples, |s| s.callback);
                let round_trip = Summary::of(&run.samples, |s| s.round_trip);
                let over_floor = floor.map_or_else(
                    || "–".to_owned(),
                    |floor| format!("{:.2}", callback.p50 - floor),
                );
                let target = run.command.target_p99_ms().map_or_else(
                    || "floor".to_owned(),
                    |target| {
                        let verdict = if callback.p99 <= target {
                            "met"
                        } else {
                            "MISSED"
                        };
                        format!("≤ {target} ms: {verdict}")
                    },
                );
                writeln!(
                    f,
                    "| {} | {} | /{} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {:.1} | {:.2} | {} |",
                    config.backend,
                    config.cache_label(),
                    run.command.label(),
                    run.samples.len(),
                    callback.p50,
                    callback.p99,
                    callback.max,
                    callback.mean,
                    callback.p99 / callback.p50,
                    over_floor,
                    ms(run.cold.callback),
                    round_trip.p50,
                    target,
                )?;
            }
        }
        writeln!(f)?;
        let mut seen: Vec<Backend> = Vec::new();
        for config in &self.configurations {
            if seen.contains(&config.backend) {
                continue;
            }
            seen.push(config.backend);
            writeln!(
                f,
                "{} ({}): {} ledger rows loaded in {:.1} s. Query plans:\n",
                config.backend,
                config.server_version,
                config.rows,
                config.load_time.as_secs_f64()
            )?;
            writeln!(f, "```text")?;
            for plan in &config.plans {
                writeln!(f, "{plan}")?;
            }
            writeln!(f, "```\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert!((percentile_ms(&sorted, 0.50) - 50.0).abs() < 1e-9);
        assert!((percentile_ms(&sorted, 0.99) - 99.0).abs() < 1e-9);
        assert!((percentile_ms(&sorted[..1], 0.99) - 1.0).abs() < 1e-9);
    }
}
