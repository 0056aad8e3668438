//! One level of the community search: a weighted graph whose nodes may stand for whole groups
//! of members, with the weight inside each group kept as a self-loop.

use crate::domain::coplay::graph::{node_index, CoplayGraph};

/// A CSR graph with self-loops, as aggregation produces.
#[derive(Clone, Debug)]
pub(super) struct Level {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    /// Each node's strength: its edges plus twice its self-loop, so that the total stays `2m`
    /// at every level and the modularity gains computed on a level are those of the members.
    strengths: Vec<f64>,
    /// `2m`, the summed strength of all nodes.
    two_m: f64,
}

impl Level {
    /// The members' own graph: no self-loops yet.
    pub(super) fn from_graph(graph: &CoplayGraph) -> Self {
        let n = graph.node_count();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        let mut strengths = Vec::with_capacity(n);
        for i in 0..n {
            let (t, w) = graph.neighbours(node_index(i));
            targets.extend_from_slice(t);
            weights.extend_from_slice(w);
            offsets.push(targets.len());
            strengths.push(graph.strength(node_index(i)));
        }
        Self {
            offsets,
            targets,
            weights,
            two_m: 2.0 * graph.total_weight(),
            strengths,
        }
    }

    pub(super) fn node_count(&self) -> usize {
        self.strengths.len()
    }

    pub(super) fn neighbours(&self, node: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[node]..self.offsets[node + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    pub(super) fn strength(&self, node: usize) -> f64 {
        self.strengths[node]
    }

    pub(super) fn two_m(&self) -> f64 {
        self.two_m
    }

    /// The graph of the groups `membership` (labels 0..`groups`) makes: one node per group,
    /// edges between groups summed, edges inside a group folded into its strength.
    pub(super) fn aggregate(&self, membership: &[u32], groups: usize) -> Self {
        let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); groups];
        for (node, &g) in membership.iter().enumerate() {
            by_group[g as usize].push(node);
        }
        let mut offsets = Vec::with_capacity(groups + 1);
        offsets.push(0);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        let mut strengths = Vec::with_capacity(groups);
        // A dense accumulator reused for every group, reset through the list of touched slots.
        let mut sum = vec![0.0; groups];
        let mut touched: Vec<u32> = Vec::new();
        for (g, nodes) in by_group.iter().enumerate() {
            let mut strength = 0.0;
            for &node in nodes {
                strength += self.strengths[node];
                let (t, w) = self.neighbours(node);
                for (&other, &weight) in t.iter().zip(w) {
                    let h = membership[other as usize];
                    if h as usize == g {
                        continue;
                    }
                    if sum[h as usize] == 0.0 {
                        touched.push(h);
                    }
                    sum[h as usize] += weight;
                }
            }
            touched.sort_unstable();
            for &h in &touched {
                targets.push(h);
                weights.push(sum[h as usize]);
                sum[h as usize] = 0.0;
            }
            touched.clear();
            offsets.push(targets.len());
            strengths.push(strength);
        }
        Self {
            offsets,
            targets,
            weights,
            strengths,
            two_m: self.two_m,
        }
    }
}
