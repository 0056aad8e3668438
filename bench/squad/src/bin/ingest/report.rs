//! The figures of one run: end-to-end and sender rates, flush lag from the sampler's timeline,
//! the bot's peak memory and who used the CPU; printed as a Markdown table for bench/RESULTS.md.

use std::fmt::{self, Write as _};
use std::time::Duration;

use fakecord::api::BulkKind;
use trakker_bench::database::Backend;
use trakker_bench::machine::Machine;

use crate::load::{RunResult, Tick};

/// The issue's targets.
const TARGET_EVENTS_PER_SECOND: f64 = 50_000.0;
const TARGET_LAG_SECONDS: f64 = 2.0;
const TARGET_RSS_MIB: f64 = 64.0;

/// One database, measured.
pub(crate) struct Measured {
    /// Whether the bot ran with `METRICS_ADDR` and was scraped.
    pub metrics: bool,
    /// The database.
    pub backend: Backend,
    /// Its version.
    pub server_version: String,
    /// Events the bulk calls sent (messages + reactions).
    pub sent: u64,
    /// Events the store counted before the run (the reaction targets).
    pub baseline: u64,
    /// What the bot logged at exit (`activity events recorded by this process events=N`).
    pub logged: Option<u64>,
    /// The run.
    pub run: RunResult,
}

/// How far the store trails what was sent, from the sampler's timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lag {
    /// The longest time an event written to the bot's socket waited before the store counted
    /// it, over the run (to the sampler's resolution).
    pub max: Duration,
    /// The median of that over the samples taken while events were still being sent.
    pub median: Duration,
}

/// For each sample, the age of the oldest event the store does not count yet: the time since
/// the first sample at which more had been sent than the store counts now.
pub(crate) fn lag(ticks: &[Tick], until: Duration) -> Lag {
    let mut lags: Vec<Duration> = Vec::new();
    let mut max = Duration::ZERO;
    for tick in ticks.iter().filter(|t| t.at <= until) {
        let oldest_missing = ticks
            .iter()
            .take_while(|t| t.at <= tick.at)
            .find(|t| t.sent > tick.stored);
        let age = oldest_missing.map_or(Duration::ZERO, |t| tick.at.saturating_sub(t.at));
        max = max.max(age);
        lags.push(age);
    }
    lags.sort_unstable();
    Lag {
        max,
        median: lags.get(lags.len() / 2).copied().unwrap_or_default(),
    }
}

fn mib(kib: u64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "memory sizes are far below 2^52"
    )]
    let kib = kib as f64;
    kib / 1024.0
}

#[expect(
    clippy::cast_precision_loss,
    reason = "event counts are far below 2^52"
)]
fn per_second(events: u64, over: Duration) -> f64 {
    events as f64 / over.as_secs_f64().max(f64::EPSILON)
}

/// CPU use between two samples, in percent of one core.
struct CpuShare {
    bot: f64,
    bench: f64,
    machine_busy: f64,
    machine_cores: f64,
}

fn cpu_share(first: &Tick, last: &Tick) -> CpuShare {
    let wall = last
        .at
        .saturating_sub(first.at)
        .as_secs_f64()
        .max(f64::EPSILON);
    let machine_total = last.machine.total_seconds - first.machine.total_seconds;
    CpuShare {
        bot: 100.0 * (last.bot.cpu_seconds - first.bot.cpu_seconds) / wall,
        bench: 100.0 * (last.bench.cpu_seconds - first.bench.cpu_seconds) / wall,
        machine_busy: 100.0 * (last.machine.busy_seconds - first.machine.busy_seconds) / wall,
        machine_cores: machine_total / wall,
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

impl Measured {
    /// The database, and whether metrics were on.
    fn label(&self) -> String {
        if self.metrics {
            format!("{} + metrics", self.backend)
        } else {
            self.backend.to_string()
        }
    }

    fn bulk_rate(&self, kind: BulkKind) -> f64 {
        let (sent, slowest) = self
            .run
            .bulk
            .iter()
            .filter(|(k, _)| *k == kind)
            .fold((0, 0.0_f64), |(sent, slowest), (_, report)| {
                (sent + report.sent, slowest.max(report.elapsed_ms))
            });
        per_second(sent, Duration::from_secs_f64(slowest / 1000.0))
    }

    /// The timeline as CSV: one line per sample.
    pub(crate) fn timeline_csv(&self, out: &mut String) {
        for t in &self.run.ticks {
            writeln!(
                out,
                "{},{:.3},{},{},{:.2},{},{},{:.2},{:.2}",
                self.label(),
                t.at.as_secs_f64(),
                t.sent,
                t.stored,
                t.bot.cpu_seconds,
                t.bot.rss_kib,
                t.bot.peak_rss_kib,
                t.bench.cpu_seconds,
                t.machine.busy_seconds
            )
            .expect("writing to a String cannot fail");
        }
    }
}

/// Everything printed at the end.
pub(crate) struct Report {
    /// The machine.
    pub machine: Machine,
    /// How to run it again.
    pub command: String,
    /// The bot's settings that differ from production, for the heading.
    pub settings: String,
    /// The databases, in the order measured.
    pub measured: Vec<Measured>,
}

/// The CSV header of [`Measured::timeline_csv`].
pub(crate) const TIMELINE_HEADER: &str =
    "database,at_s,sent,stored,bot_cpu_s,bot_rss_kib,bot_peak_rss_kib,bench_cpu_s,machine_busy_s\n";

/// The figures of one run, computed once for the table and the summary line.
struct Figures {
    end_to_end: Option<f64>,
    tail: Option<Duration>,
    lag: Lag,
    peak_rss_mib: f64,
    lost: i128,
    cpu: Option<CpuShare>,
}

impl Measured {
    fn figures(&self) -> Figures {
        let run = &self.run;
        let end = run.stored_all.unwrap_or(run.sending);
        let peak = run
            .ticks
            .iter()
            .map(|t| t.bot.peak_rss_kib)
            .chain(run.bot_at_end.map(|s| s.peak_rss_kib))
            .max()
            .unwrap_or(0);
        let in_run: Vec<&Tick> = run.ticks.iter().filter(|t| t.at <= end).collect();
        let cpu = match (in_run.first(), in_run.last()) {
            (Some(first), Some(last)) if last.at > first.at => Some(cpu_share(first, last)),
            _ => None,
        };
        Figures {
            end_to_end: run.stored_all.map(|at| per_second(self.sent, at)),
            tail: run.stored_all.map(|at| at.saturating_sub(run.sending)),
            lag: lag(&run.ticks, end),
            peak_rss_mib: mib(peak),
            lost: i128::from(self.sent) - i128::from(run.stored.events()),
            cpu,
        }
    }

    fn logged_column(&self) -> String {
        let expected = self.baseline + self.sent;
        match self.logged {
            None => "not logged (RUST_LOG hides INFO?)".to_owned(),
            Some(n) if n == expected => format!("{n} (= sent + {})", self.baseline),
            Some(n) => format!("{n} (expected {expected})"),
        }
    }

    fn table_row(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let figures = self.figures();
        let never = || "never".to_owned();
        let cpu = figures.cpu.as_ref().map_or_else(
            || "–".to_owned(),
            |share| {
                format!(
                    "{:.0} / {:.0} / {:.0} of {:.0}",
                    share.bot,
                    share.bench,
                    share.machine_busy,
                    100.0 * share.machine_cores
                )
            },
        );
        writeln!(
            f,
            "| {} | {} | {} | {:.0} ({:.0} / {:.0}) | {} | {:.2} | {:.2} | {:.1} | {} | {} | {} |",
            self.label(),
            self.sent,
            figures
                .end_to_end
                .map_or_else(never, |rate| format!("{rate:.0}")),
            per_second(self.sent, self.run.sending),
            self.bulk_rate(BulkKind::MessageCreate),
            self.bulk_rate(BulkKind::ReactionAdd),
            figures
                .tail
                .map_or_else(never, |tail| format!("{:.2}", tail.as_secs_f64())),
            figures.lag.max.as_secs_f64(),
            figures.lag.median.as_secs_f64(),
            figures.peak_rss_mib,
            figures.lost,
            self.logged_column(),
            cpu,
        )
    }

    fn summary_line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let figures = self.figures();
        let stored = self.run.stored;
        writeln!(
            f,
            "{} ({}): stored {} messages, {} reactions added, {} removed; sending took {:.1} s. \
             Targets: ≥ {TARGET_EVENTS_PER_SECOND:.0} events/s {}, flush lag ≤ {TARGET_LAG_SECONDS} s {}, \
             RSS ≤ {TARGET_RSS_MIB} MiB {}, nothing lost {}.",
            self.label(),
            self.server_version,
            stored.messages,
            stored.reactions_added,
            stored.reactions_removed,
            self.run.sending.as_secs_f64(),
            verdict(figures.end_to_end.unwrap_or(0.0) >= TARGET_EVENTS_PER_SECOND),
            verdict(
                figures.tail.is_some() && figures.lag.max.as_secs_f64() <= TARGET_LAG_SECONDS
            ),
            verdict(figures.peak_rss_mib <= TARGET_RSS_MIB),
            verdict(
                figures.lost == 0
                    && self
                        .logged
                        .is_none_or(|n| n == self.baseline + self.sent),
            ),
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "## ingest: gateway messages and reactions → rollups\n")?;
        writeln!(f, "machine: {}", self.machine)?;
        writeln!(f, "command: `{}`", self.command)?;
        writeln!(f, "bot: {}\n", self.settings)?;
        writeln!(
            f,
            "| database | events sent | end to end events/s | sender events/s (messages / reactions) | all sent → all stored s | max flush lag s | median lag s | peak RSS MiB | lost | bot `events=` | CPU bot / fakecord+bench / machine (% of a core) |"
        )?;
        writeln!(
            f,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
        )?;
        for measured in &self.measured {
            measured.table_row(f)?;
        }
        writeln!(f)?;
        for measured in &self.measured {
            measured.summary_line(f)?;
        }
        Ok(())
    }
}

/// How to run this again, as it was run.
pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut line =
        "cargo build --release -p trakker -p trakker-bench --bin trakker --bin ingest && target/release/ingest".to_owned();
    for arg in args {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}

/// The count in the bot's exit line `activity events recorded by this process events=N`, in
/// the text or the JSON log format.
pub(crate) fn logged_events(log: &str) -> Option<u64> {
    let line = log
        .lines()
        .rev()
        .find(|line| line.contains("activity events recorded by this process"))?;
    let at = line
        .find("events=")
        .map(|i| i + "events=".len())
        .or_else(|| line.find("\"events\":").map(|i| i + "\"events\":".len()))?;
    let digits: String = line[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trakker_bench::proc_stats::{MachineCpu, ProcessSample};

    fn tick(ms: u64, sent: u64, stored: u64) -> Tick {
        Tick {
            at: Duration::from_millis(ms),
            sent,
            stored,
            bot: ProcessSample::default(),
            bench: ProcessSample::default(),
            machine: MachineCpu::default(),
        }
    }

    #[test]
    fn lag_is_the_age_of_the_oldest_event_not_yet_stored() {
        // 100 events per 100 ms; the store catches up once a second.
        let ticks = [
            tick(100, 100, 0),
            tick(500, 500, 0),
            tick(1000, 1000, 0),
            tick(1100, 1100, 1000),
            tick(1500, 1500, 1000),
            tick(2000, 1500, 1500),
        ];
        let lag = lag(&ticks, Duration::from_secs(2));
        // At 1000 ms the store has nothing; the first event was sent by the 100 ms sample.
        // At 1500 ms it has 1000; event 1001 was sent by the 1100 ms sample: 400 ms.
        assert_eq!(lag.max, Duration::from_millis(900));
        assert_eq!(lag.median, Duration::from_millis(400));
    }

    #[test]
    fn the_exit_line_is_read_in_both_log_formats() {
        let text = "2026-11-21T04:00:00Z  INFO trakker::app: activity events recorded by this process events=500200\n";
        assert_eq!(logged_events(text), Some(500_200));
        let json = r#"{"level":"INFO","fields":{"message":"activity events recorded by this process","events":42}}"#;
        assert_eq!(logged_events(json), Some(42));
        assert_eq!(logged_events("nothing here"), None);
    }
}
