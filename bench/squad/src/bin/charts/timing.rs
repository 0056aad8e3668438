//! Timing our side's steps: each named step runs `--repeats` times; the report takes the median
//! and the minimum of the wall times, and the most memory one run needed above what the process
//! held when it started (the peak RSS delta).
//!
//! The peak is the kernel's high-water mark `VmHWM`, reset to the current RSS before every run
//! by writing `5` to `/proc/self/clear_refs` (Linux 4.0 and later), the same figure the anchor
//! gets from a fresh `fork()` per run. Where the reset is refused the delta is not reported
//! rather than reported wrong.

use std::future::Future;
use std::time::{Duration, Instant};

use trakker_bench::proc_stats::ProcessSample;

/// One of our steps, measured.
#[derive(Clone, Debug)]
pub(crate) struct StepTiming {
    /// Our name for the step (`stays.read`, `overlap`, …).
    pub name: &'static str,
    /// The anchor's steps that do the same work; their best times are added up against ours.
    pub anchor: &'static [&'static str],
    /// Wall time of every run, in the order they ran.
    pub runs: Vec<Duration>,
    /// The most any run needed above the RSS the process had when it started, in KiB.
    pub peak_delta_kib: Option<u64>,
}

impl StepTiming {
    /// The median run (the mean of the two middle ones for an even count).
    pub fn median(&self) -> Duration {
        let mut sorted = self.runs.clone();
        sorted.sort_unstable();
        match sorted.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        }
    }

    /// The fastest run.
    pub fn min(&self) -> Duration {
        self.runs.iter().copied().min().unwrap_or_default()
    }
}

/// Runs steps and keeps their timings, in the order they ran.
pub(crate) struct StepTimer {
    repeats: usize,
    steps: Vec<StepTiming>,
}

impl StepTimer {
    /// Each step will run `repeats` times (at least once).
    pub fn new(repeats: usize) -> Self {
        Self {
            repeats: repeats.max(1),
            steps: Vec::new(),
        }
    }

    /// Runs `run` `repeats` times, timing each run alone, and returns what the last run made.
    /// `name` is our step; `anchor` the anchor steps it stands against (empty: none).
    ///
    /// Results of earlier runs are dropped before the next run starts, outside the timed part,
    /// so a run's memory is its own.
    pub async fn step<T>(
        &mut self,
        name: &'static str,
        anchor: &'static [&'static str],
        mut run: impl AsyncFnMut() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut runs = Vec::with_capacity(self.repeats);
        let mut peak_delta_kib = Some(0);
        let mut last = None;
        for _ in 0..self.repeats {
            drop(last.take());
            let (made, took, delta) = measure(run()).await;
            let made = made.map_err(|error| error.context(format!("step {name}")))?;
            runs.push(took);
            peak_delta_kib = peak_delta_kib.zip(delta).map(|(a, b)| a.max(b));
            last = Some(made);
        }
        self.steps.push(StepTiming {
            name,
            anchor,
            runs,
            peak_delta_kib,
        });
        last.ok_or_else(|| anyhow::anyhow!("step {name} did not run"))
    }

    /// Every step measured so far.
    pub fn into_steps(self) -> Vec<StepTiming> {
        self.steps
    }
}

/// Awaits `future`, returning its output, its wall time and its peak RSS above the RSS at its
/// start (KiB; `None` when the high-water mark could not be reset).
async fn measure<T>(future: impl Future<Output = T>) -> (T, Duration, Option<u64>) {
    let pid = std::process::id();
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = ProcessSample::read(pid);
    let started = Instant::now();
    let made = future.await;
    let took = started.elapsed();
    let after = ProcessSample::read(pid);
    let delta = match (reset, before, after) {
        (true, Some(before), Some(after)) => {
            Some(after.peak_rss_kib.saturating_sub(before.rss_kib))
        }
        _ => None,
    };
    (made, took, delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(runs_ms: &[u64]) -> StepTiming {
        StepTiming {
            name: "overlap",
            anchor: &[],
            runs: runs_ms
                .iter()
                .map(|&ms| Duration::from_millis(ms))
                .collect(),
            peak_delta_kib: None,
        }
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_run() {
        let step = timing(&[30, 10, 20]);
        assert_eq!(step.median(), Duration::from_millis(20));
        assert_eq!(step.min(), Duration::from_millis(10));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            timing(&[40, 10, 20, 30]).median(),
            Duration::from_millis(25)
        );
    }

    #[tokio::test]
    async fn a_step_runs_as_often_as_asked_and_returns_the_last_result() {
        let mut timer = StepTimer::new(3);
        let mut calls = 0;
        let made = timer
            .step("count", &["anchor.step"], async || {
                calls += 1;
                Ok(calls)
            })
            .await
            .expect("the step runs");
        assert_eq!(made, 3);
        let steps = timer.into_steps();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].runs.len(), 3);
        assert_eq!(steps[0].anchor, ["anchor.step"]);
    }

    #[tokio::test]
    async fn memory_a_step_holds_is_counted_in_its_delta() {
        let mut timer = StepTimer::new(1);
        let bytes = timer
            .step("allocate", &[], async || {
                // 64 MiB written, so the pages are resident.
                let block = vec![1_u8; 64 << 20];
                Ok(block.iter().map(|&b| u64::from(b)).sum::<u64>())
            })
            .await
            .expect("the step runs");
        assert_eq!(bytes, 64 << 20);
        if let Some(delta) = timer.into_steps()[0].peak_delta_kib {
            assert!(delta >= 60 << 10, "{delta} KiB");
        }
    }
}
