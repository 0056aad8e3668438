//! The contenders, each behind one signature: a graph in, each node's community out (for
//! community detection), or each node's position out (for the layout).
//!
//! Every partition is scored by trakker's own `modularity`, which computes exactly what
//! `networkx.community.modularity` does, so the figures compare with the Python reference.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use fdg_sim::petgraph::graph::NodeIndex;
use fdg_sim::{ForceGraph, ForceGraphHelper, Simulation, SimulationParameters};
use trakker::domain::coplay::{detect_communities, force_layout, CoplayGraph, LayoutOptions};

/// A community detector: the membership of every node.
pub(crate) type Detector = fn(&CoplayGraph, u64) -> anyhow::Result<Vec<u32>>;

/// The community detectors compared: name, detector, and the most edges it is given (graphrs'
/// Leiden takes 7 s on the medium graph's 10,000 edges and grows much faster than the edges).
pub(crate) const DETECTORS: [(&str, Detector, usize); 4] = [
    ("trakker (Leiden)", ours, usize::MAX),
    ("leiden-rs 0.8 Leiden", leiden_rs, usize::MAX),
    ("graphrs 0.12 Louvain", graphrs_louvain, usize::MAX),
    ("graphrs 0.12 Leiden", graphrs_leiden, 20_000),
];

#[expect(
    clippy::unnecessary_wraps,
    reason = "one signature for every contender"
)]
fn ours(graph: &CoplayGraph, seed: u64) -> anyhow::Result<Vec<u32>> {
    Ok(detect_communities(graph, seed).membership().to_vec())
}

/// leiden-rs, modularity at resolution 1, seeded, built without rayon (single-threaded like
/// the others). Building its graph is part of using it, so it is timed, as for graphrs.
fn leiden_rs(graph: &CoplayGraph, seed: u64) -> anyhow::Result<Vec<u32>> {
    let mut builder = leiden_rs::GraphDataBuilder::new(graph.node_count());
    for (a, b, w) in graph.edges() {
        builder.add_edge(a as usize, b as usize, w)?;
    }
    let data = builder.build()?;
    let config = leiden_rs::LeidenConfig {
        resolution: 1.0,
        seed: Some(seed),
        quality: leiden_rs::QualityType::Modularity,
        ..Default::default()
    };
    let output = leiden_rs::Leiden::new(config).run(&data)?;
    output
        .partition
        .as_slice()
        .iter()
        .map(|&c| u32::try_from(c).context("community label"))
        .collect()
}

fn graphrs_graph(graph: &CoplayGraph) -> anyhow::Result<graphrs::Graph<u32, ()>> {
    let nodes = (0..graph.node_count())
        .map(|i| graphrs::Node::from_name(u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let edges: Vec<Arc<graphrs::Edge<u32, ()>>> = graph
        .edges()
        .map(|(a, b, w)| graphrs::Edge::with_weight(a, b, w))
        .collect();
    graphrs::Graph::new_from_nodes_and_edges(nodes, edges, graphrs::GraphSpecs::undirected())
        .map_err(|e| anyhow::anyhow!("graphrs: {e}"))
}

fn membership_of(graph: &CoplayGraph, sets: &[std::collections::HashSet<u32>]) -> Vec<u32> {
    let mut membership = vec![0; graph.node_count()];
    for (c, set) in (0_u32..).zip(sets) {
        for &node in set {
            membership[node as usize] = c;
        }
    }
    membership
}

/// graphrs Louvain, weighted, resolution 1, seeded (its deterministic mode).
fn graphrs_louvain(graph: &CoplayGraph, seed: u64) -> anyhow::Result<Vec<u32>> {
    let g = graphrs_graph(graph)?;
    let sets = graphrs::algorithms::community::louvain::louvain_communities(
        &g,
        true,
        Some(1.0),
        None,
        Some(seed),
    )
    .map_err(|e| anyhow::anyhow!("graphrs louvain: {e}"))?;
    Ok(membership_of(graph, &sets))
}

/// graphrs Leiden, weighted, modularity at resolution 1 (it takes no seed).
fn graphrs_leiden(graph: &CoplayGraph, _seed: u64) -> anyhow::Result<Vec<u32>> {
    use graphrs::algorithms::community::leiden::{leiden, QualityFunction};
    let g = graphrs_graph(graph)?;
    let sets = leiden(&g, true, QualityFunction::Modularity, Some(1.0), None, None)
        .map_err(|e| anyhow::anyhow!("graphrs leiden: {e}"))?;
    Ok(membership_of(graph, &sets))
}

/// A layout: every node's position.
pub(crate) type Layout = fn(&CoplayGraph, u64) -> Vec<[f64; 2]>;

/// The layouts compared, by name.
pub(crate) const LAYOUTS: [(&str, Layout); 2] = [
    ("trakker FR + Barnes–Hut, 50 it.", ours_layout),
    ("fdg-sim 0.9 weighted FR, 50 steps", fdg_sim_layout),
];

fn ours_layout(graph: &CoplayGraph, seed: u64) -> Vec<[f64; 2]> {
    force_layout(
        graph,
        &LayoutOptions {
            seed,
            ..LayoutOptions::default()
        },
    )
}

/// fdg-sim's weighted Fruchterman–Reingold with its defaults (scale 45, cool-off 0.975, its
/// examples' time step 0.035), edge weights = time over the longest pair's, 50 steps. Its
/// repulsion visits every pair of nodes.
#[expect(
    clippy::cast_possible_truncation,
    reason = "fdg-sim takes f32 weights; the relative weights lose nothing that matters"
)]
fn fdg_sim_layout(graph: &CoplayGraph, seed: u64) -> Vec<[f64; 2]> {
    quad_rand::srand(seed);
    let max = graph.edges().map(|(_, _, w)| w).fold(0.0, f64::max);
    let mut g: ForceGraph<(), f32> = ForceGraph::default();
    let nodes: Vec<NodeIndex> = (0..graph.node_count())
        .map(|i| g.add_force_node(i.to_string(), ()))
        .collect();
    for (a, b, w) in graph.edges() {
        g.add_edge(nodes[a as usize], nodes[b as usize], (w / max) as f32);
    }
    let parameters = SimulationParameters::from_force(
        fdg_sim::force::fruchterman_reingold_weighted(45.0, 0.975),
    );
    let mut simulation = Simulation::from_graph(g, parameters);
    for _ in 0..50 {
        simulation.update(0.035);
    }
    let positions: HashMap<NodeIndex, [f64; 2]> = simulation
        .get_graph()
        .node_indices()
        .map(|i| {
            let at = simulation.get_graph()[i].location;
            (i, [f64::from(at.x), f64::from(at.y)])
        })
        .collect();
    nodes.iter().map(|i| positions[i]).collect()
}

/// Layout quality: the mean length of the strongest `strongest` edges over the mean distance
/// between node pairs (a fixed sample), both in the layout's own units. Lower is better: pairs
/// who play most sit close compared with how spread out the picture is.
#[expect(clippy::cast_precision_loss, reason = "counts of a few thousand")]
pub(crate) fn strong_edge_ratio(graph: &CoplayGraph, pos: &[[f64; 2]], strongest: usize) -> f64 {
    let distance = |a: usize, b: usize| {
        let (p, q) = (pos[a], pos[b]);
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
    };
    let mut edges: Vec<(u32, u32, f64)> = graph.edges().collect();
    edges.sort_by(|x, y| y.2.total_cmp(&x.2));
    edges.truncate(strongest);
    let edge_mean = edges
        .iter()
        .map(|&(a, b, _)| distance(a as usize, b as usize))
        .sum::<f64>()
        / edges.len() as f64;
    // A fixed stride through all pairs: the same sample for every contender.
    let n = pos.len();
    let (mut sum, mut count) = (0.0, 0usize);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let a = usize::try_from(state % n as u64).unwrap_or(0);
        let b = usize::try_from((state >> 32) % n as u64).unwrap_or(0);
        if a != b {
            sum += distance(a, b);
            count += 1;
        }
    }
    edge_mean / (sum / count as f64)
}
