//! The figures as Markdown for bench/RESULTS.md: per scale and database, the load, the checks
//! of what our steps read against what was loaded (and what the anchor counted), every step
//! beside the anchor steps doing the same work, and each chart path as a total on both sides.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use trakker_bench::database::Backend;

use crate::anchor::{AnchorResults, AnchorStep};
use crate::load::Loaded;
use crate::ours::{Produced, PATHS};
use crate::timing::StepTiming;

/// One scale on one database, measured.
pub(crate) struct Section {
    /// `small`, `medium`, `large`.
    pub scale: String,
    /// The database.
    pub backend: Backend,
    /// Its version.
    pub server_version: String,
    /// The load.
    pub loaded: Loaded,
    /// What our steps returned.
    pub produced: Produced,
    /// Our steps.
    pub steps: Vec<StepTiming>,
    /// The anchor's run on the same data, unless skipped.
    pub anchor: Option<Arc<AnchorResults>>,
}

/// The whole run.
pub(crate) struct Report {
    /// The machine line.
    pub machine: String,
    /// The command that made the figures.
    pub command: String,
    /// Runs per step, on our side and the anchor's.
    pub repeats: usize,
    /// Every section measured so far.
    pub sections: Vec<Section>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Command (from the workspace root):\n\n```sh\n{}\n```\n",
            self.command
        )?;
        writeln!(f, "Machine: {}\n", self.machine)?;
        writeln!(
            f,
            "Ours: median and minimum of {} runs, in this process, after the load; +MB is the \
             peak RSS above the RSS at the step's start. Anchor: `anchor.py` on the same data in \
             the same run, best and median of its runs (as many, unless its results say \
             otherwise below), each in a fresh fork; +MB (peak) is its peak RSS above the \
             step's start, and the process's peak. anchor/ours = anchor best ÷ ours median. \
             Reading from the store stands against parsing the CSV.\n",
            self.repeats
        )?;
        for section in &self.sections {
            write!(f, "{section}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loaded = &self.loaded;
        writeln!(
            f,
            "### {} — {} ({})\n",
            self.scale, self.backend, self.server_version
        )?;
        writeln!(
            f,
            "Load (not measured against anything): {:.1} s — {} members {:.2} s; {} voice \
             sessions {:.1} s; {} messages into {} hourly rollup rows {:.1} s. Period {} to {}.\n",
            loaded.took().as_secs_f64(),
            loaded.members,
            loaded.members_took.as_secs_f64(),
            thousands(loaded.sessions),
            loaded.voice_took.as_secs_f64(),
            thousands(loaded.messages),
            thousands(loaded.rollup_rows),
            loaded.messages_took.as_secs_f64(),
            loaded.period.since.format("%Y-%m-%d %H:%M"),
            loaded.period.until.format("%Y-%m-%d %H:%M"),
        )?;
        writeln!(f, "Checks: {}\n", self.checks().join("; "))?;
        if let Some(anchor) = &self.anchor {
            if usize::try_from(anchor.repeats).ok()
                != Some(self.steps.first().map_or(0, |s| s.runs.len()))
            {
                writeln!(f, "The anchor ran each step {} times.\n", anchor.repeats)?;
            }
        }
        self.steps_table(f)?;
        self.paths_table(f)
    }
}

impl Section {
    fn checks(&self) -> Vec<String> {
        let (loaded, produced) = (&self.loaded, &self.produced);
        let anchor = |name: &str| {
            self.anchor
                .as_ref()
                .and_then(|a| a.check_u64(name))
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
        };
        let mut checks = Vec::new();
        let mut check = |what: &str, ours: i64, loaded: i64, anchor: Option<i64>| {
            let agrees = ours == loaded && anchor.is_none_or(|a| a == ours);
            let mut line = format!("{what} {} (loaded {}", thousands(ours), thousands(loaded));
            if let Some(anchor) = anchor {
                let _ = write!(line, ", anchor {}", thousands(anchor));
            }
            line.push_str(if agrees { ") ok" } else { ") MISMATCH" });
            checks.push(line);
        };
        check(
            "stays read",
            to_i64(produced.stays),
            to_i64(loaded.sessions),
            anchor("voice_rows"),
        );
        check(
            "their seconds",
            produced.stay_seconds,
            loaded.voice_seconds,
            anchor("voice_seconds_total"),
        );
        check(
            "messages over the hours read",
            to_i64(produced.messages),
            to_i64(loaded.messages),
            anchor("message_rows"),
        );
        checks
    }

    fn steps_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| step | ours median s | ours min s | ours +MB | anchor step | anchor best s | \
             anchor median s | anchor +MB (peak) | anchor/ours |\n\
             | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
        )?;
        for step in &self.steps {
            let median = step.median().as_secs_f64();
            let anchor = self.anchor_best(step.anchor);
            writeln!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                step.name,
                seconds(median),
                seconds(step.min().as_secs_f64()),
                step.peak_delta_kib
                    .map_or_else(dash, |kib| mib(kib_to_mb(kib))),
                step.anchor.join(" + "),
                anchor.map_or_else(dash, seconds),
                self.anchor_median(step.anchor).map_or_else(dash, seconds),
                self.anchor_memory(step.anchor),
                anchor.map_or_else(dash, |a| ratio(a, median)),
            )?;
        }
        for name in self.anchor_steps_not_measured() {
            let anchor = self.anchor_best(&[name.as_str()]);
            writeln!(
                f,
                "| — | | | | {name} | {} | {} | {} | |",
                anchor.map_or_else(dash, seconds),
                self.anchor_median(&[name.as_str()])
                    .map_or_else(dash, seconds),
                self.anchor_memory(&[name.as_str()]),
            )?;
        }
        writeln!(f)
    }

    fn paths_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The whole chart as the bot draws it (`draw`: directory and store reads, compute, \
             render to PNG bytes) stands against the anchor's sum of the same path.\n\n\
             | chart path | ours s (sum of step medians) | ours s (whole draw, median) | \
             anchor s (sum of best) | anchor/ours (draw) |\n\
             | --- | ---: | ---: | ---: | ---: |"
        )?;
        for path in PATHS {
            let measured: Vec<&StepTiming> = path
                .ours
                .iter()
                .filter_map(|name| self.steps.iter().find(|s| s.name == *name))
                .collect();
            let ours: f64 = measured.iter().map(|s| s.median().as_secs_f64()).sum();
            let complete = measured.len() == path.ours.len();
            let anchor = self.anchor_best(path.anchor);
            let ours_text = if complete {
                seconds(ours)
            } else {
                format!(
                    "{} of {} steps: {}",
                    measured.len(),
                    path.ours.len(),
                    seconds(ours)
                )
            };
            let drawn = self
                .steps
                .iter()
                .find(|s| s.name == path.draw_step())
                .map(|s| s.median().as_secs_f64());
            writeln!(
                f,
                "| {} ({}) | {ours_text} | {} | {} | {} |",
                path.name,
                path.ours.join(" + "),
                drawn.map_or_else(dash, seconds),
                anchor.map_or_else(dash, seconds),
                match (anchor, drawn) {
                    (Some(anchor), Some(drawn)) => ratio(anchor, drawn),
                    _ => dash(),
                },
            )?;
        }
        writeln!(f)
    }

    fn anchor_best(&self, steps: &[&str]) -> Option<f64> {
        if steps.is_empty() {
            return None;
        }
        self.anchor.as_ref()?.best_sum(steps)
    }

    /// The sum of the anchor steps' median runs.
    fn anchor_median(&self, steps: &[&str]) -> Option<f64> {
        let anchor = self.anchor.as_ref()?;
        if steps.is_empty() {
            return None;
        }
        steps
            .iter()
            .map(|name| anchor.steps.get(*name).map(AnchorStep::median_s))
            .sum()
    }

    /// The most memory one of the anchor steps needed, and the highest peak of its process:
    /// `+delta (peak)` in MB.
    fn anchor_memory(&self, steps: &[&str]) -> String {
        let Some(anchor) = self.anchor.as_ref() else {
            return dash();
        };
        let found: Option<Vec<&AnchorStep>> =
            steps.iter().map(|name| anchor.steps.get(*name)).collect();
        match found {
            Some(found) if !found.is_empty() => {
                let delta = found.iter().map(|s| s.delta_mb).fold(0.0, f64::max);
                let peak = found.iter().map(|s| s.peak_mb).fold(0.0, f64::max);
                format!("{} ({peak:.0})", mib(delta))
            }
            _ => dash(),
        }
    }

    /// The anchor's steps no step of ours stands against: the chart paths' first, in order,
    /// then the rest of what the anchor timed.
    fn anchor_steps_not_measured(&self) -> Vec<String> {
        let Some(anchor) = &self.anchor else {
            return Vec::new();
        };
        let covered: BTreeSet<&str> = self.steps.iter().flat_map(|s| s.anchor).copied().collect();
        let mut listed = BTreeSet::new();
        let mut out = Vec::new();
        let in_paths = PATHS.iter().flat_map(|p| p.anchor.iter().copied());
        let rest = anchor.steps.keys().map(String::as_str);
        for name in in_paths.chain(rest) {
            if name != "harness.noop"
                && !covered.contains(name)
                && anchor.steps.contains_key(name)
                && listed.insert(name)
            {
                out.push(name.to_owned());
            }
        }
        out
    }
}

fn dash() -> String {
    "—".to_owned()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[expect(clippy::cast_precision_loss, reason = "memory in KiB, far below 2^52")]
fn kib_to_mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn mib(mb: f64) -> String {
    format!("{mb:.1}")
}

/// Seconds with four decimals, or three significant digits below a millisecond.
fn seconds(s: f64) -> String {
    if s > 0.0 && s < 0.001 {
        format!("{s:.2e}")
    } else {
        format!("{s:.4}")
    }
}

/// How many times longer the anchor took.
fn ratio(anchor: f64, ours: f64) -> String {
    if ours <= 0.0 {
        return dash();
    }
    let times = anchor / ours;
    if times >= 100.0 {
        format!("{times:.0}×")
    } else {
        format!("{times:.1}×")
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// The command that made these figures, to run again.
pub(crate) fn command_line() -> String {
    let mut line =
        "cargo build --release -p trakker-bench --bin charts && target/release/charts".to_owned();
    for arg in std::env::args().skip(1) {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}

/// A duration in seconds, for progress lines.
pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0_u64), "0");
        assert_eq!(thousands(999_u64), "999");
        assert_eq!(thousands(1_000_u64), "1,000");
        assert_eq!(thousands(10_000_000_u64), "10,000,000");
        assert_eq!(thousands(-1_234_i64), "-1,234");
    }

    #[test]
    fn the_ratio_says_how_many_times_longer_the_anchor_took() {
        assert_eq!(ratio(3.0, 1.5), "2.0×");
        assert_eq!(ratio(250.0, 1.0), "250×");
        assert_eq!(ratio(1.0, 0.0), "—");
    }

    #[test]
    fn tiny_times_keep_their_digits() {
        assert_eq!(seconds(1.5), "1.5000");
        assert_eq!(seconds(0.000_123_4), "1.23e-4");
    }
}
