//! Who sits at the centre of the community and who is at its edge.
//!
//! Two figures per member:
//!
//! - **strength**: their total time in voice with others (the sum of their pairs' overlaps),
//!   the plain "how much do they play with people";
//! - **centrality**: weighted eigenvector centrality, scaled so the most central member has 1.
//!   A member is central when they spend time with members who are themselves central: someone
//!   who plays every night with the core of the server ranks above someone who plays as much
//!   but only with one friend. It is the leading eigenvector of the graph's weight matrix,
//!   found by power iteration exactly as `networkx.eigenvector_centrality` finds it.
//!
//! Rankings only consider members with a meaningful amount of time (a strength threshold the
//! caller picks, such as one hour): a member who joined yesterday has a low score because they
//! are new, not because they are at the edge.

use super::graph::{node_index, CoplayGraph};

/// Power-iteration steps at most, as networkx allows.
const MAX_STEPS: usize = 100;

/// networkx's convergence test: the summed change of all scores below n × this.
const TOLERANCE: f64 = 1e-6;

/// One member's place in the community.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemberCentrality {
    /// The member.
    pub user: u64,
    /// Their total time with others, in the graph's weight unit (milliseconds for
    /// [`CoplayGraph::from_pairs`]).
    pub strength: f64,
    /// Weighted eigenvector centrality, the most central member at 1.
    pub centrality: f64,
}

/// The members at the centre (most central first) and at the edge (least central first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CentreAndEdge {
    /// The most central members, highest centrality first.
    pub centre: Vec<MemberCentrality>,
    /// The least central members, lowest centrality first; nobody listed at the centre.
    pub edge: Vec<MemberCentrality>,
}

/// Weighted eigenvector centrality of every node (indexed by node), the highest at 1.
///
/// The power iteration of `networkx.eigenvector_centrality(G, weight="weight")`: start from
/// equal scores, repeat x ← (A + I)·x normalised to unit length until the scores change by less
/// than n·10⁻⁶ in total (at most 100 steps; unlike networkx, not converging is not an error,
/// the last scores are returned). The identity keeps the iteration from oscillating on graphs
/// that split into two alternating halves and changes no eigenvector. Then scaled so the
/// highest score is 1, which only changes the unit.
#[must_use]
#[expect(clippy::cast_precision_loss, reason = "node counts are far below 2^52")]
pub fn eigenvector_centrality(graph: &CoplayGraph) -> Vec<f64> {
    let n = graph.node_count();
    let mut x = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    for _ in 0..MAX_STEPS {
        for (i, y) in next.iter_mut().enumerate() {
            let (targets, weights) = graph.neighbours(node_index(i));
            *y = x[i]
                + targets
                    .iter()
                    .zip(weights)
                    .map(|(&t, &w)| w * x[t as usize])
                    .sum::<f64>();
        }
        let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        let mut change = 0.0;
        for (xi, yi) in x.iter_mut().zip(&next) {
            let updated = yi / norm;
            change += (updated - *xi).abs();
            *xi = updated;
        }
        if change < n as f64 * TOLERANCE {
            break;
        }
    }
    let max = x.iter().copied().fold(0.0, f64::max);
    x.iter()
        .map(|v| if max > 0.0 { v / max } else { 0.0 })
        .collect()
}

/// The `count` most central and `count` least central members among those whose strength is
/// at least `min_strength`. Ties rank by user id. With fewer than `2 * count` such members the
/// edge list is shorter, so that nobody appears in both.
#[must_use]
pub fn centre_and_edge(graph: &CoplayGraph, min_strength: f64, count: usize) -> CentreAndEdge {
    let scores = eigenvector_centrality(graph);
    let mut members: Vec<MemberCentrality> = (0..graph.node_count())
        .map(|i| MemberCentrality {
            user: graph.user(node_index(i)),
            strength: graph.strength(node_index(i)),
            centrality: scores[i],
        })
        .filter(|m| m.strength >= min_strength)
        .collect();
    members.sort_by(|a, b| {
        b.centrality
            .total_cmp(&a.centrality)
            .then(a.user.cmp(&b.user))
    });
    let centre: Vec<MemberCentrality> = members.iter().take(count).copied().collect();
    let edge: Vec<MemberCentrality> = members
        .iter()
        .skip(centre.len())
        .rev()
        .take(count)
        .copied()
        .collect();
    CentreAndEdge { centre, edge }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3_600_000.0;

    /// A core of four who play together every night, Eve who plays often but only with Ada,
    /// and Finn who dropped in once.
    fn server() -> CoplayGraph {
        let mut edges = Vec::new();
        for a in 1..=4_u64 {
            for b in a + 1..=4 {
                edges.push((a, b, 20.0 * HOUR));
            }
        }
        edges.push((1, 5, 12.0 * HOUR)); // Eve with Ada
        edges.push((2, 6, 0.5 * HOUR)); // Finn, once
        CoplayGraph::from_edges(edges)
    }

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "the top score is scaled to exactly 1, hours are exact"
    )]
    fn the_core_sits_at_the_centre_and_a_one_friend_player_at_the_edge() {
        let ranking = centre_and_edge(&server(), HOUR, 2);
        let centre: Vec<u64> = ranking.centre.iter().map(|m| m.user).collect();
        // Ada plays with the core and with Eve: the most central of all.
        assert_eq!(centre, [1, 2]);
        assert_eq!(ranking.centre[0].centrality, 1.0);
        assert_eq!(ranking.centre[0].strength, 72.0 * HOUR);
        // Eve has 12 hours, more than any core member with one friend, yet sits at the edge;
        // Finn's half hour is below the threshold, so he is not ranked at all.
        let edge: Vec<u64> = ranking.edge.iter().map(|m| m.user).collect();
        assert_eq!(edge, [5, 4]);
    }

    #[test]
    fn a_small_server_lists_nobody_twice() {
        let ranking = centre_and_edge(&server(), HOUR, 10);
        assert_eq!(ranking.centre.len(), 5);
        assert!(ranking.edge.is_empty());
    }

    #[test]
    fn scores_lie_between_zero_and_one_and_an_empty_graph_has_none() {
        let scores = eigenvector_centrality(&server());
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert!(scores[5] < scores[4]);
        assert!(eigenvector_centrality(&CoplayGraph::default()).is_empty());
    }
}
