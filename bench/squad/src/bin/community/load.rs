//! Reading the Python reference's files: `pairs.csv`, `voice_sessions.csv` and the figures of
//! its run (`results_<scale>.json`).

use std::path::Path;

use anyhow::{bail, Context as _};
use trakker::domain::coplay::{PairOverlap, UserPair, VoiceStay};

/// The rows of a CSV file with a header, split on commas (the reference writes no quoting).
fn rows(path: &Path, columns: usize) -> anyhow::Result<Vec<Vec<i64>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<i64> = line
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}:{}: {line}", path.display(), n + 1))?;
        if fields.len() != columns {
            bail!("{}:{}: expected {columns} fields", path.display(), n + 1);
        }
        out.push(fields);
    }
    Ok(out)
}

/// Snowflakes above 2^63 read back bit for bit, as the store keeps them.
fn id(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// `user_a,user_b,seconds` → pairs in milliseconds.
pub(crate) fn pairs(path: &Path) -> anyhow::Result<Vec<PairOverlap>> {
    rows(path, 3)?
        .into_iter()
        .map(|r| {
            let pair = UserPair::new(id(r[0]), id(r[1])).context("a pair of one member")?;
            Ok(PairOverlap {
                pair,
                overlap_ms: u64::try_from(r[2])? * 1000,
            })
        })
        .collect()
}

/// `user_id,channel_id,join_ts,leave_ts` (seconds) → stays in milliseconds.
pub(crate) fn stays(path: &Path) -> anyhow::Result<Vec<VoiceStay>> {
    Ok(rows(path, 4)?
        .into_iter()
        .map(|r| VoiceStay {
            user: id(r[0]),
            channel: id(r[1]),
            start_ms: r[2] * 1000,
            end_ms: r[3] * 1000,
        })
        .collect())
}

/// What the reference run measured for one scale.
#[derive(Debug, Default)]
pub(crate) struct Reference {
    /// networkx Louvain (seed 42): modularity and best time in seconds.
    pub networkx_louvain: Option<(f64, f64)>,
    /// python-louvain (seed 42): modularity and best time in seconds.
    pub python_louvain: Option<(f64, f64)>,
    /// networkx `spring_layout`, 50 iterations: best time in seconds.
    pub spring_layout_s: Option<f64>,
    /// The numpy interval join: best time in seconds.
    pub overlap_numpy_s: Option<f64>,
}

/// Reads `results_<scale>.json`; a missing file gives an empty reference.
pub(crate) fn reference(path: &Path) -> anyhow::Result<Reference> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Reference::default());
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let best = |step: &str| json["steps"][step]["best_s"].as_f64();
    let q = |key: &str| json["checks"][key]["modularity"].as_f64();
    Ok(Reference {
        networkx_louvain: q("louvain_networkx").zip(best("louvain.networkx")),
        python_louvain: q("louvain_python_louvain").zip(best("louvain.python_louvain")),
        spring_layout_s: best("layout.spring_fr50"),
        overlap_numpy_s: best("overlap.interval_join_numpy"),
    })
}

/// Zachary's karate club (1977): 34 members, 78 friendships, 1-based as published.
#[rustfmt::skip]
pub(crate) const KARATE: [(u64, u64); 78] = [
    (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 11), (1, 12),
    (1, 13), (1, 14), (1, 18), (1, 20), (1, 22), (1, 32), (2, 3), (2, 4), (2, 8), (2, 14),
    (2, 18), (2, 20), (2, 22), (2, 31), (3, 4), (3, 8), (3, 9), (3, 10), (3, 14), (3, 28),
    (3, 29), (3, 33), (4, 8), (4, 13), (4, 14), (5, 7), (5, 11), (6, 7), (6, 11), (6, 17),
    (7, 17), (9, 31), (9, 33), (9, 34), (10, 34), (14, 34), (15, 33), (15, 34), (16, 33),
    (16, 34), (19, 33), (19, 34), (20, 34), (21, 33), (21, 34), (23, 33), (23, 34),
    (24, 26), (24, 28), (24, 30), (24, 33), (24, 34), (25, 26), (25, 28), (25, 32),
    (26, 32), (27, 30), (27, 34), (28, 34), (29, 32), (29, 34), (30, 33), (30, 34),
    (31, 33), (31, 34), (32, 33), (32, 34), (33, 34),
];
