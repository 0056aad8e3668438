//! The Python reference, run in the same run on the same data: `gen.py` makes a data set when
//! none is there, `anchor.py` times every analytics step and writes a results JSON, which is
//! read back here (`steps.<name>.best_s`, `runs_s`, `peak_mb`, `delta_mb`, and `checks`).
//!
//! The anchors' folder may be read-only: every output path is passed explicitly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use serde::Deserialize;

/// Where the Python side lives and where it writes.
#[derive(Clone, Debug)]
pub(crate) struct Anchors {
    /// The folder holding `gen.py`, `anchor.py` and `requirements.txt`.
    pub dir: PathBuf,
    /// The venv's interpreter.
    pub python: PathBuf,
    /// Where data sets, PNGs and results go: `data/<scale>`, `out/<scale>`,
    /// `results_<scale>.json`.
    pub work_dir: PathBuf,
}

/// One anchor step's figures.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct AnchorStep {
    /// The fastest run, in seconds.
    pub best_s: f64,
    /// Every run, in seconds.
    pub runs_s: Vec<f64>,
    /// Peak RSS of the process that ran the step, in MB.
    pub peak_mb: f64,
    /// Peak RSS above the RSS at the step's start, in MB.
    pub delta_mb: f64,
}

/// What `anchor.py` wrote.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct AnchorResults {
    /// `complete` when every step ran.
    pub status: String,
    /// Runs per step.
    pub repeats: u32,
    /// Every step, by the anchor's name.
    pub steps: BTreeMap<String, AnchorStep>,
    /// Cross-check figures (row counts, totals, hashes).
    pub checks: serde_json::Map<String, serde_json::Value>,
}

impl AnchorStep {
    /// The median run, in seconds (the mean of the two middle ones for an even count).
    pub fn median_s(&self) -> f64 {
        let mut runs = self.runs_s.clone();
        runs.sort_by(f64::total_cmp);
        match runs.len() {
            0 => self.best_s,
            n if n % 2 == 1 => runs[n / 2],
            n => f64::midpoint(runs[n / 2 - 1], runs[n / 2]),
        }
    }
}

impl AnchorResults {
    /// An integer check, e.g. `voice_rows`.
    pub fn check_u64(&self, name: &str) -> Option<u64> {
        self.checks.get(name).and_then(serde_json::Value::as_u64)
    }

    /// The sum of the best times of `steps`, or `None` when one of them is missing.
    pub fn best_sum(&self, steps: &[&str]) -> Option<f64> {
        steps
            .iter()
            .map(|name| self.steps.get(*name).map(|step| step.best_s))
            .sum()
    }
}

impl Anchors {
    /// Fails with the commands that create the venv when its interpreter is missing.
    pub fn check_python(&self) -> anyhow::Result<()> {
        if self.python.exists() {
            return Ok(());
        }
        let venv = self
            .python
            .parent()
            .and_then(Path::parent)
            .unwrap_or(&self.python);
        anyhow::bail!(
            "no Python interpreter at {python}. Create the anchors' venv with:\n\n    \
             python3 -m venv {venv}\n    \
             {venv}/bin/pip install -r {requirements}\n\n\
             or name another one with --python (or ANCHORS_PYTHON), or pass --skip-anchor.",
            python = self.python.display(),
            venv = venv.display(),
            requirements = self.dir.join("requirements.txt").display(),
        )
    }

    /// The data set of `scale`: `data` when given, else `<work_dir>/data/<scale>`, generated
    /// with `gen.py` when it has no manifest yet.
    pub fn data_set(&self, scale: &str, data: Option<&Path>) -> anyhow::Result<PathBuf> {
        let dir = data.map_or_else(|| self.work_dir.join("data").join(scale), Path::to_path_buf);
        if dir.join("manifest.json").exists() {
            return Ok(dir);
        }
        self.check_python()?;
        println!("generating the {scale} data set in {}", dir.display());
        self.run(
            Command::new(&self.python)
                .arg(self.dir.join("gen.py"))
                .args(["--scale", scale, "--out"])
                .arg(&dir),
        )
        .with_context(|| format!("gen.py --scale {scale}"))?;
        anyhow::ensure!(
            dir.join("manifest.json").exists(),
            "gen.py wrote no manifest.json in {}",
            dir.display()
        );
        Ok(dir)
    }

    /// Runs `anchor.py` on `data` and reads its results. Its output goes to the terminal, as
    /// it goes.
    pub fn run_anchor(
        &self,
        scale: &str,
        data: &Path,
        repeats: usize,
        extra: &[String],
    ) -> anyhow::Result<(AnchorResults, PathBuf)> {
        self.check_python()?;
        let out = self.work_dir.join("out").join(scale);
        let json = self.work_dir.join(format!("results_{scale}.json"));
        self.run(
            Command::new(&self.python)
                .arg(self.dir.join("anchor.py"))
                .args(["--scale", scale, "--data"])
                .arg(data)
                .arg("--out")
                .arg(&out)
                .arg("--json")
                .arg(&json)
                .args(["--repeats", &repeats.to_string()])
                .args(extra),
        )
        .with_context(|| format!("anchor.py --scale {scale}"))?;
        let results = read_results(&json)?;
        anyhow::ensure!(
            results.status == "complete",
            "anchor.py left {} with status {:?}",
            json.display(),
            results.status
        );
        Ok((results, json))
    }

    fn run(&self, command: &mut Command) -> anyhow::Result<()> {
        let status = command
            .current_dir(&self.work_dir)
            .status()
            .with_context(|| format!("start {}", self.python.display()))?;
        anyhow::ensure!(status.success(), "exited with {status}");
        Ok(())
    }
}

/// Reads a results JSON `anchor.py` wrote.
pub(crate) fn read_results(path: &Path) -> anyhow::Result<AnchorResults> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parse {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESULTS: &str = r#"{
        "scale": "small", "status": "complete", "repeats": 2, "isolate": true,
        "steps": {
            "voice.parse_csv": {"best_s": 0.5, "runs_s": [0.5, 0.7], "cpu_s_of_best": 0.4,
                                "peak_mb": 120.0, "delta_mb": 30.5},
            "overlap.interval_join_numpy": {"best_s": 1.25, "runs_s": [1.25, 1.5],
                                "cpu_s_of_best": 1.0, "peak_mb": 200.0, "delta_mb": 80.0}
        },
        "checks": {"voice_rows": 1389, "pairs_csv_sha256": "ab12"}
    }"#;

    #[test]
    fn the_results_json_gives_each_steps_best_time_and_memory() {
        let results: AnchorResults = serde_json::from_str(RESULTS).expect("valid results");
        assert_eq!(results.repeats, 2);
        let parse = &results.steps["voice.parse_csv"];
        assert!((parse.best_s - 0.5).abs() < 1e-12);
        assert_eq!(parse.runs_s.len(), 2);
        assert!((parse.delta_mb - 30.5).abs() < 1e-12);
        assert!((parse.peak_mb - 120.0).abs() < 1e-12);
        assert!((parse.median_s() - 0.6).abs() < 1e-12);
        assert_eq!(results.check_u64("voice_rows"), Some(1389));
    }

    #[test]
    fn a_path_sums_its_steps_and_is_unknown_when_one_is_missing() {
        let results: AnchorResults = serde_json::from_str(RESULTS).expect("valid results");
        let both = results.best_sum(&["voice.parse_csv", "overlap.interval_join_numpy"]);
        assert!((both.expect("both present") - 1.75).abs() < 1e-12);
        assert_eq!(
            results.best_sum(&["voice.parse_csv", "louvain.networkx"]),
            None
        );
    }

    #[test]
    fn a_missing_interpreter_says_how_to_make_the_venv() {
        let anchors = Anchors {
            dir: PathBuf::from("/work/shared/anchors"),
            python: PathBuf::from("/nonexistent/venv/bin/python"),
            work_dir: PathBuf::from("/tmp"),
        };
        let message = anchors
            .check_python()
            .expect_err("no interpreter")
            .to_string();
        assert!(
            message.contains("python3 -m venv /nonexistent/venv"),
            "{message}"
        );
        assert!(
            message.contains("pip install -r /work/shared/anchors/requirements.txt"),
            "{message}"
        );
    }
}
