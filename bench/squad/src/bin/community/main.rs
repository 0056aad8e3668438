//! `community`: trakker's co-play analytics against maintained crates and the Python reference,
//! on Zachary's karate club and on the reference's synthetic communities.
//!
//! For each graph: community detection by trakker's Leiden, leiden-rs and graphrs (Louvain and
//! Leiden), each timed (median of `--runs`) and scored with trakker's networkx-equivalent
//! modularity, beside networkx's own figure from the reference run; then the layout, trakker's
//! against fdg-sim, timed and scored by how close the strongest pairs sit; and, where the
//! voice sessions are there, trakker's overlap sweep, timed and checked against `pairs.csv`
//! to the second.
//!
//! Nothing is asserted about time; a mismatch in the pairs is an error.
//!
//! Module map:
//! - [`load`]: the reference's CSV and JSON files, and the karate club.
//! - [`contenders`]: each contender behind one signature, and the layout's quality figure.

mod contenders;
mod load;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use trakker::domain::coplay::{modularity, pair_overlaps, CoplayGraph};
use trakker_bench::machine::Machine;

use crate::contenders::{strong_edge_ratio, DETECTORS, LAYOUTS};

/// The comparison's knobs.
#[derive(Debug, Parser)]
#[command(about = "Co-play overlap, communities and layout: trakker against crates and networkx")]
struct Args {
    /// The reference's folder: `data/<scale>/voice_sessions.csv`, `out/<scale>/pairs.csv` and
    /// `results_<scale>.json`.
    #[arg(long, default_value = "/tmp/anchors")]
    anchors: PathBuf,
    /// Scales to run, besides the karate club; a missing one is skipped with a note.
    #[arg(long, value_delimiter = ',', default_value = "small,medium,large")]
    scales: Vec<String>,
    /// Timed runs per figure (the median is shown).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seed given to every seeded contender.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Skip contenders slower than this many seconds on their first run.
    #[arg(long, default_value_t = 60.0)]
    give_up_s: f64,
}

/// Median wall time of `runs` calls, and the last result.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    (
        times[times.len() / 2],
        last.unwrap_or_else(|| unreachable!()),
    )
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// The machine's load averages: the figures are wall times, so a busy machine shows in them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!("# Co-play analytics: trakker against crates and the Python reference\n");
    println!("machine: {}", Machine::describe());
    println!("load average at start: {}", load_average());
    println!(
        "command: cargo run --release -p trakker-bench --bin community -- --anchors {} --scales {} --runs {} --seed {}\n",
        args.anchors.display(),
        args.scales.join(","),
        args.runs,
        args.seed
    );
    let karate = CoplayGraph::from_edges(load::KARATE.iter().map(|&(a, b)| (a, b, 1.0)));
    compare(
        "karate club (34 nodes, 78 edges, unweighted)",
        &karate,
        &load::Reference::default(),
        &args,
    )?;
    for scale in &args.scales {
        let pairs_path = args.anchors.join("out").join(scale).join("pairs.csv");
        if !pairs_path.exists() {
            println!("## {scale}: skipped, no {}\n", pairs_path.display());
            continue;
        }
        let pairs = load::pairs(&pairs_path)?;
        let reference = load::reference(&args.anchors.join(format!("results_{scale}.json")))?;
        let stays_path = args
            .anchors
            .join("data")
            .join(scale)
            .join("voice_sessions.csv");
        if stays_path.exists() {
            overlap(
                scale,
                &load::stays(&stays_path)?,
                &pairs,
                &reference,
                args.runs,
            )?;
        }
        let (build, graph) = timed(args.runs, || CoplayGraph::from_pairs(&pairs));
        println!("graph build from {} pairs: {}\n", pairs.len(), ms(build));
        let title = format!(
            "{scale} ({} nodes, {} edges, weighted by time together)",
            graph.node_count(),
            graph.edge_count()
        );
        compare(&title, &graph, &reference, &args)?;
    }
    println!("load average at end: {}", load_average());
    Ok(())
}

/// Times the sweep and checks it against the reference's pairs, second for second.
fn overlap(
    scale: &str,
    stays: &[trakker::domain::coplay::VoiceStay],
    pairs: &[trakker::domain::coplay::PairOverlap],
    reference: &load::Reference,
    runs: usize,
) -> anyhow::Result<()> {
    let (time, ours) = timed(runs, || pair_overlaps(stays));
    if ours != pairs {
        bail!("{scale}: trakker's pairs differ from pairs.csv");
    }
    print!(
        "## {scale}: overlap\n\n{} stays → {} pairs, equal to pairs.csv to the second; trakker {}",
        stays.len(),
        ours.len(),
        ms(time)
    );
    if let Some(numpy) = reference.overlap_numpy_s {
        print!(
            ", numpy interval join {:.1} ms (reference run)",
            numpy * 1000.0
        );
    }
    println!("\n");
    Ok(())
}

/// Runs every contender `runs` times, taking turns, so that a machine that gets busier or
/// quieter during the comparison weighs on all of them alike. A contender whose first run
/// passes `give_up_s` runs only once. Returns each one's median time and last result.
fn interleaved<C: Copy, T>(
    contenders: &[C],
    runs: usize,
    give_up_s: f64,
    mut run: impl FnMut(C) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<(Duration, T)>> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    let mut results: Vec<Option<T>> = contenders.iter().map(|_| None).collect();
    for round in 0..runs.max(1) {
        for (i, &contender) in contenders.iter().enumerate() {
            if round > 0 && times[i][0].as_secs_f64() > give_up_s {
                continue;
            }
            let start = Instant::now();
            let result = run(contender)?;
            times[i].push(start.elapsed());
            results[i] = Some(result);
        }
    }
    Ok(times
        .into_iter()
        .zip(results)
        .map(|(mut t, r)| {
            t.sort();
            (t[t.len() / 2], r.unwrap_or_else(|| unreachable!()))
        })
        .collect())
}

/// Community detection and layout on one graph.
fn compare(
    title: &str,
    graph: &CoplayGraph,
    reference: &load::Reference,
    args: &Args,
) -> anyhow::Result<()> {
    println!("## {title}\n");
    println!("| community detection | median time | modularity | communities |");
    println!("| --- | ---: | ---: | ---: |");
    let detectors: Vec<(&str, contenders::Detector)> = DETECTORS
        .iter()
        .filter(|(_, _, max_edges)| graph.edge_count() <= *max_edges)
        .map(|&(name, detect, _)| (name, detect))
        .collect();
    let found = interleaved(&detectors, args.runs, args.give_up_s, |(name, detect)| {
        detect(graph, args.seed).with_context(|| name.to_owned())
    })?;
    for ((name, _), (time, membership)) in detectors.iter().zip(found) {
        let mut labels = membership.clone();
        labels.sort_unstable();
        labels.dedup();
        println!(
            "| {name} | {} | {:.4} | {} |",
            ms(time),
            modularity(graph, &membership),
            labels.len()
        );
    }
    for (name, _, max_edges) in DETECTORS {
        if graph.edge_count() > max_edges {
            println!("| {name} | skipped above {max_edges} edges | | |");
        }
    }
    for (name, figures) in [
        (
            "networkx 3.6 Louvain (reference run, best of its repeats)",
            reference.networkx_louvain,
        ),
        (
            "python-louvain 0.16 (reference run)",
            reference.python_louvain,
        ),
    ] {
        if let Some((q, seconds)) = figures {
            println!("| {name} | {:.1} ms | {q:.4} | |", seconds * 1000.0);
        }
    }
    println!("\n| layout | median time | strongest-edge ratio (lower is closer) |");
    println!("| --- | ---: | ---: |");
    let strongest = 3000.min(graph.edge_count());
    let drawn = interleaved(&LAYOUTS, args.runs, args.give_up_s, |(_, layout)| {
        Ok(layout(graph, args.seed))
    })?;
    for ((name, _), (time, pos)) in LAYOUTS.iter().zip(drawn) {
        println!(
            "| {name} | {} | {:.3} |",
            ms(time),
            strong_edge_ratio(graph, &pos, strongest)
        );
    }
    if let Some(seconds) = reference.spring_layout_s {
        println!(
            "| networkx spring_layout, 50 it. (reference run) | {:.1} ms | |",
            seconds * 1000.0
        );
    }
    println!();
    Ok(())
}
