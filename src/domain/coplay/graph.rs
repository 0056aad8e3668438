//! The co-play graph: one node per member who played with anyone, one weighted edge per pair.
//!
//! Stored as compressed sparse rows (CSR): each node's neighbours sit contiguously, sorted by
//! node index, with their weights beside them. For 2,000 members and 408,000 pairs that is two
//! arrays of 816,000 entries, read in order by every analysis, instead of 2,000 small maps.

use super::ids::DenseIds;
use super::pair::PairOverlap;

/// An undirected weighted graph over members, nodes numbered 0.. in ascending order of user id.
///
/// Edge weights are positive (zero-weight edges are dropped), there are no self-loops, and
/// every edge appears in both endpoints' rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoplayGraph {
    users: Vec<u64>,
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    strengths: Vec<f64>,
    total_weight: f64,
}

impl CoplayGraph {
    /// The graph of "played together": an edge per pair, weighted by their overlap in
    /// milliseconds.
    #[must_use]
    #[expect(
        clippy::cast_precision_loss,
        reason = "overlaps below 2^53 ms (285,000 years) convert exactly"
    )]
    pub fn from_pairs(pairs: &[PairOverlap]) -> Self {
        Self::from_edges(
            pairs
                .iter()
                .map(|p| (p.pair.low(), p.pair.high(), p.overlap_ms as f64)),
        )
    }

    /// A graph from `(user, user, weight)` edges in any order. Repeated edges add up;
    /// self-loops and edges whose total weight is not positive are dropped.
    #[must_use]
    pub fn from_edges(edges: impl IntoIterator<Item = (u64, u64, f64)>) -> Self {
        let edges: Vec<(u64, u64, f64)> = edges
            .into_iter()
            .filter(|&(a, b, w)| a != b && w != 0.0)
            .collect();
        let ids = DenseIds::from_ids(edges.iter().flat_map(|&(a, b, _)| [a, b]));
        let n = ids.len();
        let mut offsets = vec![0usize; n + 1];
        let ends: Vec<(u32, u32)> = edges
            .iter()
            .map(|&(a, b, _)| (ids.index_u32(a), ids.index_u32(b)))
            .collect();
        for &(a, b) in &ends {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut row: Vec<(u32, f64)> = vec![(0, 0.0); offsets[n]];
        for (&(a, b), &(_, _, w)) in ends.iter().zip(&edges) {
            row[fill[a as usize]] = (b, w);
            fill[a as usize] += 1;
            row[fill[b as usize]] = (a, w);
            fill[b as usize] += 1;
        }
        // Sort each row by neighbour and merge repeats; rows built from sorted pairs are already
        // in order, which the sort notices at once.
        let mut targets = Vec::with_capacity(row.len());
        let mut weights = Vec::with_capacity(row.len());
        let mut compact = vec![0usize; n + 1];
        for i in 0..n {
            let entries = &mut row[offsets[i]..offsets[i + 1]];
            entries.sort_unstable_by_key(|&(t, _)| t);
            for &(t, w) in entries.iter() {
                if targets.len() > compact[i] && targets.last() == Some(&t) {
                    *weights.last_mut().unwrap_or_else(|| unreachable!()) += w;
                } else {
                    targets.push(t);
                    weights.push(w);
                }
            }
            compact[i + 1] = targets.len();
        }
        Self::from_rows(ids.into_ids(), &compact, &targets, &weights)
    }

    /// Drops entries whose merged weight is not positive and fills in the strengths.
    fn from_rows(users: Vec<u64>, rows: &[usize], targets: &[u32], weights: &[f64]) -> Self {
        let n = users.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut kept_targets = Vec::with_capacity(targets.len());
        let mut kept_weights = Vec::with_capacity(weights.len());
        let mut strengths = Vec::with_capacity(n);
        for i in 0..n {
            let mut strength = 0.0;
            for k in rows[i]..rows[i + 1] {
                if weights[k] > 0.0 {
                    kept_targets.push(targets[k]);
                    kept_weights.push(weights[k]);
                    strength += weights[k];
                }
            }
            strengths.push(strength);
            offsets.push(kept_targets.len());
        }
        let total_weight = strengths.iter().sum::<f64>() / 2.0;
        Self {
            users,
            offsets,
            targets: kept_targets,
            weights: kept_weights,
            strengths,
            total_weight,
        }
    }

    /// How many members (nodes).
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.users.len()
    }

    /// How many pairs (undirected edges).
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }

    /// The user id of `node`.
    ///
    /// # Panics
    ///
    /// If `node` is not below [`node_count`](Self::node_count).
    #[must_use]
    pub fn user(&self, node: u32) -> u64 {
        self.users[node as usize]
    }

    /// Every node's user id, ascending; the position is the node index.
    #[must_use]
    pub fn users(&self) -> &[u64] {
        &self.users
    }

    /// The node of `user`, if they played with anyone.
    #[must_use]
    pub fn node_of(&self, user: u64) -> Option<u32> {
        let index = self.users.binary_search(&user).ok()?;
        u32::try_from(index).ok()
    }

    /// The neighbours of `node`, ascending, and the weights of the edges to them.
    ///
    /// # Panics
    ///
    /// If `node` is not below [`node_count`](Self::node_count).
    #[must_use]
    pub fn neighbours(&self, node: u32) -> (&[u32], &[f64]) {
        let range = self.offsets[node as usize]..self.offsets[node as usize + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    /// The summed weight of `node`'s edges (its weighted degree).
    ///
    /// # Panics
    ///
    /// If `node` is not below [`node_count`](Self::node_count).
    #[must_use]
    pub fn strength(&self, node: u32) -> f64 {
        self.strengths[node as usize]
    }

    /// The summed weight of all edges, each counted once (`m` in the modularity formula).
    #[must_use]
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// Every edge once, as `(lower node, higher node, weight)`, in node order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        (0..self.users.len()).flat_map(move |i| {
            let (targets, weights) = self.neighbours(node_index(i));
            targets
                .iter()
                .zip(weights)
                .filter(move |(&t, _)| t as usize > i)
                .map(move |(&t, &w)| (node_index(i), t, w))
        })
    }
}

/// A node position as the u32 index the graph stores; graphs never reach 2^32 nodes.
#[expect(
    clippy::cast_possible_truncation,
    reason = "node counts come from DenseIds, which numbers at most 2^32 ids"
)]
pub(crate) fn node_index(i: usize) -> u32 {
    i as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coplay::UserPair;

    const ADA: u64 = 900;
    const BOB: u64 = 500;
    const CY: u64 = 700;

    fn pair(a: u64, b: u64, overlap_ms: u64) -> PairOverlap {
        PairOverlap {
            pair: UserPair::new(a, b).expect("two members"),
            overlap_ms,
        }
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "sums of small whole numbers are exact")]
    fn nodes_follow_user_ids_and_each_pair_is_an_edge_seen_from_both_sides() {
        let graph = CoplayGraph::from_pairs(&[pair(ADA, BOB, 3_000), pair(BOB, CY, 1_000)]);
        assert_eq!(graph.users(), [BOB, CY, ADA]);
        assert_eq!((graph.node_count(), graph.edge_count()), (3, 2));
        let bob = graph.node_of(BOB).expect("Bob played");
        assert_eq!(graph.user(bob), BOB);
        assert_eq!(
            graph.neighbours(bob),
            (&[1_u32, 2][..], &[1_000.0, 3_000.0][..])
        );
        assert_eq!(graph.strength(bob), 4_000.0);
        assert_eq!(graph.total_weight(), 4_000.0);
        assert_eq!(graph.node_of(42), None);
        assert_eq!(
            graph.edges().collect::<Vec<_>>(),
            [(0, 1, 1_000.0), (0, 2, 3_000.0)]
        );
    }

    #[test]
    fn repeated_edges_add_up_and_self_loops_and_empty_edges_are_dropped() {
        let graph = CoplayGraph::from_edges([
            (ADA, BOB, 2.0),
            (BOB, ADA, 3.0),
            (CY, CY, 9.0),
            (CY, BOB, 0.0),
        ]);
        assert_eq!(graph.users(), [BOB, ADA]);
        assert_eq!(graph.edges().collect::<Vec<_>>(), [(0, 1, 5.0)]);
    }
}
