//! The co-play analytics against the Python reference's own output: the pairs of the small and
//! medium synthetic communities must match `pairs.csv` to the second, and the communities must
//! score at least the modularity networkx's Louvain reached on the same graph.
//!
//! Fixtures and how they were made: `tests/fixtures/anchors/README.md`.

use std::io::Read as _;
use std::path::PathBuf;

use trakker::domain::coplay::{
    centre_and_edge, detect_communities, modularity, pair_overlaps, CoplayGraph, VoiceStay,
};

fn fixture(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/anchors")
        .join(path);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    if full
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("a gzip-compressed CSV");
        text
    } else {
        String::from_utf8(bytes).expect("a UTF-8 CSV")
    }
}

/// The data rows of a CSV with a header, as integers.
fn rows(text: &str) -> Vec<Vec<i64>> {
    text.lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .map(|f| f.parse().expect("an integer"))
                .collect()
        })
        .collect()
}

fn snowflake(value: i64) -> u64 {
    u64::try_from(value).expect("a positive snowflake")
}

/// `voice_sessions.csv` (seconds) as stays in milliseconds.
fn stays(text: &str) -> Vec<VoiceStay> {
    rows(text)
        .into_iter()
        .map(|r| VoiceStay {
            user: snowflake(r[0]),
            channel: snowflake(r[1]),
            start_ms: r[2] * 1000,
            end_ms: r[3] * 1000,
        })
        .collect()
}

/// Checks every pair's time to the second; returns the pair count.
fn assert_pairs_match(scale: &str, voice: &str, pairs: &str) -> CoplayGraph {
    let expected: Vec<(u64, u64, u64)> = rows(pairs)
        .into_iter()
        .map(|r| (snowflake(r[0]), snowflake(r[1]), snowflake(r[2])))
        .collect();
    let ours = pair_overlaps(&stays(voice));
    let ours_seconds: Vec<(u64, u64, u64)> = ours
        .iter()
        .map(|o| {
            assert_eq!(
                o.overlap_ms % 1000,
                0,
                "{scale}: whole seconds in, whole seconds out"
            );
            (o.pair.low(), o.pair.high(), o.overlap_ms / 1000)
        })
        .collect();
    assert_eq!(ours_seconds.len(), expected.len(), "{scale}: pair count");
    for (mine, theirs) in ours_seconds.iter().zip(&expected) {
        assert_eq!(mine, theirs, "{scale}: first differing pair");
    }
    CoplayGraph::from_pairs(&ours)
}

#[test]
fn small_community_pairs_equal_the_reference_to_the_second() {
    let graph = assert_pairs_match(
        "small",
        &fixture("small/voice_sessions.csv"),
        &fixture("small/pairs.csv"),
    );
    assert_eq!(graph.edge_count(), 662);
    let q = modularity(&graph, detect_communities(&graph, 42).membership());
    assert!(
        q >= 0.395_728_716_789_687_5 - 1e-12,
        "small: modularity {q}"
    );
}

#[test]
fn medium_community_pairs_equal_the_reference_to_the_second() {
    let graph = assert_pairs_match(
        "medium",
        &fixture("medium/voice_sessions.csv.gz"),
        &fixture("medium/pairs.csv.gz"),
    );
    assert_eq!((graph.node_count(), graph.edge_count()), (200, 10_491));
    let q = modularity(&graph, detect_communities(&graph, 42).membership());
    assert!(q >= 0.479_978_304_917_904_8, "medium: modularity {q}");
}

#[test]
fn medium_community_centre_and_edge_match_networkx_eigenvector_centrality() {
    let graph = assert_pairs_match(
        "medium",
        &fixture("medium/voice_sessions.csv.gz"),
        &fixture("medium/pairs.csv.gz"),
    );
    // networkx.eigenvector_centrality(G, weight="weight") on pairs.csv, scaled to a top of 1.
    let networkx_centre = [
        (392_870_043_100_350_557, 1.0),
        (411_660_443_420_871_403, 0.958_312),
        (662_049_519_046_257_834, 0.918_756),
    ];
    let networkx_edge = [
        (232_880_650_933_984_306, 0.003_637),
        (942_663_297_494_757_346, 0.004_253),
        (221_589_920_694_127_642, 0.005_919),
    ];
    let ranking = centre_and_edge(&graph, 0.0, 3);
    for (ours, (user, score)) in ranking.centre.iter().zip(networkx_centre) {
        assert_eq!(ours.user, user);
        assert!((ours.centrality - score).abs() < 1e-6, "{ours:?}");
    }
    for (ours, (user, score)) in ranking.edge.iter().zip(networkx_edge) {
        assert_eq!(ours.user, user);
        assert!((ours.centrality - score).abs() < 1e-6, "{ours:?}");
    }
}
