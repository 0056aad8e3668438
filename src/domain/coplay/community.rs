//! Communities of the co-play graph: who mostly plays with whom, for the graph's colours.
//!
//! Leiden (Traag, Waltman and van Eck, 2019) maximising modularity at resolution 1, weighted by
//! time together: fast local moving, then refinement of each community into well-connected
//! pieces, then aggregation of the pieces into the nodes of the next level, until a level
//! changes nothing. The whole search is then started again from its own result while that
//! raises modularity, as `leidenalg` does with `n_iterations = -1`; a restart can only keep
//! or improve the partition, since local moving never lowers modularity.
//!
//! Every random choice (node orders) comes from the seed, so a seed gives one answer.

mod level;
mod moving;
mod refine;

use self::level::Level;
use self::moving::move_nodes;
use self::refine::refine;
use super::graph::{node_index, CoplayGraph};
use super::modularity::modularity;
use super::seed::SeededRng;

/// Restarts from the previous result; in practice two or three already change nothing.
const MAX_RESTARTS: usize = 20;

/// A partition of the graph's nodes into communities, numbered 0.. from the largest (ties: the
/// one holding the lowest node first), so colours stay put when nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Communities {
    membership: Vec<u32>,
    count: usize,
}

impl Communities {
    /// The community of `node`.
    ///
    /// # Panics
    ///
    /// If `node` is not a node of the graph the communities were found in.
    #[must_use]
    pub fn of(&self, node: u32) -> u32 {
        self.membership[node as usize]
    }

    /// Each node's community, indexed by node.
    #[must_use]
    pub fn membership(&self) -> &[u32] {
        &self.membership
    }

    /// How many communities.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The nodes of each community, community 0 (the largest) first, each list ascending.
    #[must_use]
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut members = vec![Vec::new(); self.count];
        for (node, &c) in self.membership.iter().enumerate() {
            members[c as usize].push(node_index(node));
        }
        members
    }

    /// Labels any partition the canonical way: by size, largest first, ties by lowest node.
    fn canonical(membership: &[u32]) -> Self {
        let labels = membership.iter().max().map_or(0, |&c| c as usize + 1);
        let mut size = vec![0usize; labels];
        let mut first = vec![usize::MAX; labels];
        for (node, &c) in membership.iter().enumerate() {
            size[c as usize] += 1;
            first[c as usize] = first[c as usize].min(node);
        }
        let mut used: Vec<usize> = (0..labels).filter(|&c| size[c] > 0).collect();
        used.sort_unstable_by_key(|&c| (std::cmp::Reverse(size[c]), first[c]));
        let mut relabel = vec![0u32; labels];
        for (new, &old) in used.iter().enumerate() {
            relabel[old] = node_index(new);
        }
        Self {
            membership: membership.iter().map(|&c| relabel[c as usize]).collect(),
            count: used.len(),
        }
    }
}

/// The communities of `graph` with the highest modularity this search finds from `seed`.
#[must_use]
pub fn detect_communities(graph: &CoplayGraph, seed: u64) -> Communities {
    let base = Level::from_graph(graph);
    let mut rng = SeededRng::new(seed);
    let mut best: Vec<u32> = (0..graph.node_count()).map(node_index).collect();
    let mut best_q = modularity(graph, &best);
    for _ in 0..MAX_RESTARTS {
        let next = leiden_pass(&base, best.clone(), &mut rng);
        let q = modularity(graph, &next);
        if q <= best_q {
            break;
        }
        best = next;
        best_q = q;
    }
    Communities::canonical(&best)
}

/// One Leiden run over all levels, starting from `membership` on the members' graph; returns
/// the members' communities.
fn leiden_pass(base: &Level, mut membership: Vec<u32>, rng: &mut SeededRng) -> Vec<u32> {
    let mut aggregated: Option<Level> = None;
    // Which node of the current level each member belongs to.
    let mut member_node: Vec<u32> = (0..base.node_count()).map(node_index).collect();
    loop {
        let level = aggregated.as_ref().unwrap_or(base);
        move_nodes(level, &mut membership, rng);
        let communities = compact(&mut membership);
        if communities == level.node_count() {
            break;
        }
        let (pieces, piece_count) = refine(level, &membership, communities, rng);
        if piece_count == level.node_count() {
            break;
        }
        // Each piece lies inside one community: the next level starts from that community.
        let mut next_membership = vec![0u32; piece_count];
        for (node, &p) in pieces.iter().enumerate() {
            next_membership[p as usize] = membership[node];
        }
        for node in &mut member_node {
            *node = pieces[*node as usize];
        }
        aggregated = Some(level.aggregate(&pieces, piece_count));
        membership = next_membership;
    }
    member_node
        .iter()
        .map(|&node| membership[node as usize])
        .collect()
}

/// Renumbers labels to 0..count in order of first appearance; returns count.
fn compact(membership: &mut [u32]) -> usize {
    let mut label = vec![u32::MAX; membership.len()];
    let mut count = 0usize;
    for c in membership.iter_mut() {
        if label[*c as usize] == u32::MAX {
            label[*c as usize] = node_index(count);
            count += 1;
        }
        *c = label[*c as usize];
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zachary's karate club (1977): 34 members, 78 friendships, 1-based as published.
    #[rustfmt::skip]
    const KARATE: [(u64, u64); 78] = [
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

    fn karate() -> CoplayGraph {
        CoplayGraph::from_edges(KARATE.iter().map(|&(a, b)| (a, b, 1.0)))
    }

    #[test]
    fn the_karate_club_splits_into_its_best_known_four_groups() {
        let graph = karate();
        assert_eq!((graph.node_count(), graph.edge_count()), (34, 78));
        let communities = detect_communities(&graph, 42);
        let q = modularity(&graph, communities.membership());
        // The optimum is 0.419790; networkx's Louvain reaches 0.4188 on its median seed.
        assert!(q >= 0.4197, "modularity {q}");
        assert_eq!(communities.count(), 4);
    }

    #[test]
    fn any_seed_does_at_least_as_well_as_networkx_typically_does() {
        let graph = karate();
        for seed in 0..20 {
            let q = modularity(&graph, detect_communities(&graph, seed).membership());
            assert!(q >= 0.4188 - 1e-9, "seed {seed}: modularity {q}");
        }
    }

    #[test]
    fn the_same_seed_finds_the_same_communities() {
        let graph = karate();
        assert_eq!(detect_communities(&graph, 7), detect_communities(&graph, 7));
    }

    #[test]
    fn two_squads_joined_by_one_casual_evening_are_two_communities() {
        // Squad A (1-4) and squad B (5-8) play for hours among themselves; 4 and 5 once met.
        let mut edges = Vec::new();
        for squad in [[1, 2, 3, 4], [5, 6, 7, 8]] {
            for (i, &a) in squad.iter().enumerate() {
                for &b in &squad[i + 1..] {
                    edges.push((a, b, 3_600_000.0));
                }
            }
        }
        edges.push((4, 5, 600_000.0));
        let graph = CoplayGraph::from_edges(edges);
        let communities = detect_communities(&graph, 1);
        assert_eq!(communities.count(), 2);
        assert_eq!(communities.membership(), [0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(communities.members(), [vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
        assert_eq!(communities.of(6), 1);
    }

    #[test]
    fn an_empty_graph_has_no_communities() {
        let communities = detect_communities(&CoplayGraph::default(), 1);
        assert_eq!(communities.count(), 0);
        assert!(communities.members().is_empty());
    }
}
