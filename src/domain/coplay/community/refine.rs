//! Refinement, the step Leiden adds to Louvain: each community is split back into
//! well-connected pieces before aggregation, so that no community found can be internally
//! disconnected and later levels can move a piece instead of a whole community.
//!
//! Inside each community every node starts alone. Nodes still alone, in random order, join the
//! piece of their community that raises modularity most, if any does; a node or piece only
//! takes part while it is well connected to the rest of its community (its links there at
//! least what the configuration model expects). The choice is greedy (Leiden's θ → 0), which
//! keeps the result a function of the seed alone.

use super::level::Level;
use crate::domain::coplay::graph::node_index;
use crate::domain::coplay::seed::SeededRng;

/// Pieces of the communities in `membership`, labelled 0..count; returns (labels, count).
pub(super) fn refine(
    level: &Level,
    membership: &[u32],
    communities: usize,
    rng: &mut SeededRng,
) -> (Vec<u32>, usize) {
    let nodes = level.node_count();
    let two_m = level.two_m();
    let mut community_total = vec![0.0; communities];
    for (node, &c) in membership.iter().enumerate() {
        community_total[c as usize] += level.strength(node);
    }
    // Each node's piece (labelled by a node of it), the piece's strength, its size, and its
    // links to the rest of its community.
    let mut piece: Vec<u32> = (0..nodes).map(node_index).collect();
    let mut piece_total: Vec<f64> = (0..nodes).map(|v| level.strength(v)).collect();
    let mut piece_size = vec![1u32; nodes];
    let mut piece_outside: Vec<f64> = (0..nodes)
        .map(|v| {
            let (targets, weights) = level.neighbours(v);
            targets
                .iter()
                .zip(weights)
                .filter(|(&t, _)| membership[t as usize] == membership[v])
                .map(|(_, &w)| w)
                .sum()
        })
        .collect();
    let well_connected =
        |outside: f64, total: f64, community: f64| outside >= total * (community - total) / two_m;
    let mut order: Vec<u32> = (0..nodes).map(node_index).collect();
    rng.shuffle(&mut order);
    let mut link = vec![0.0; nodes];
    let mut touched: Vec<u32> = Vec::new();
    for node in order {
        let v = node as usize;
        let community = membership[v] as usize;
        let strength = level.strength(v);
        if piece_size[v] != 1 || piece[v] != node {
            continue;
        }
        if !well_connected(piece_outside[v], strength, community_total[community]) {
            continue;
        }
        let (targets, weights) = level.neighbours(v);
        for (&other, &w) in targets.iter().zip(weights) {
            if membership[other as usize] as usize != community {
                continue;
            }
            let p = piece[other as usize];
            if link[p as usize] == 0.0 {
                touched.push(p);
            }
            link[p as usize] += w;
        }
        let mut best = node;
        let mut best_gain = 0.0;
        for &p in &touched {
            if p == node
                || !well_connected(
                    piece_outside[p as usize],
                    piece_total[p as usize],
                    community_total[community],
                )
            {
                continue;
            }
            let gain = link[p as usize] - strength * piece_total[p as usize] / two_m;
            if gain > best_gain {
                best = p;
                best_gain = gain;
            }
        }
        if best != node {
            let b = best as usize;
            // Links between v and the piece become internal; v's other links to the community
            // become the piece's.
            piece_outside[b] += piece_outside[v] - 2.0 * link[b];
            piece_total[b] += strength;
            piece_size[b] += 1;
            piece_size[v] = 0;
            piece[v] = best;
        }
        for &p in &touched {
            link[p as usize] = 0.0;
        }
        touched.clear();
    }
    // Number the pieces 0.. in order of first appearance.
    let mut label = vec![u32::MAX; nodes];
    let mut count = 0usize;
    let labels = piece
        .iter()
        .map(|&p| {
            if label[p as usize] == u32::MAX {
                label[p as usize] = node_index(count);
                count += 1;
            }
            label[p as usize]
        })
        .collect();
    (labels, count)
}
