//! Where each member sits on the co-play picture: a seeded force-directed layout.
//!
//! Fruchterman–Reingold as `networkx.spring_layout(G, weight="lw", iterations=50)` runs it:
//! every two members push each other apart with force k²/d, every pair who played together
//! pulls with force w·d²/k (w = their time over the longest pair's time, so a duo that lives in
//! voice pulls hardest), k = √(1/n); each step moves every member by the current "temperature"
//! in the direction of its net force, and the temperature cools linearly to zero.
//!
//! The all-pairs push is what makes this slow (2,000 members: 2 million pairs a step); it is
//! computed with a Barnes–Hut quadtree instead: a far-away group of members pushes like one
//! heavy member at its centre of mass. Same picture up to small errors, n log n a step.
//! The pulls are summed per member over its row of partners.

mod quadtree;

use self::quadtree::QuadTree;
use super::graph::{node_index, CoplayGraph};
use super::seed::SeededRng;

/// The knobs of the layout; the defaults are the Python reference's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayoutOptions {
    /// Steps of the simulation.
    pub iterations: usize,
    /// Seed of the starting positions.
    pub seed: u64,
    /// Barnes–Hut opening angle: a cell of side `s` at distance `d` is taken as one body when
    /// `s / d < theta`. Smaller is more exact and slower; 0 is exact; 1.0 is the usual choice
    /// for drawing.
    pub theta: f64,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self {
            iterations: 50,
            seed: 42,
            theta: 1.0,
        }
    }
}

/// A position for every node (indexed by node), in the unit square [0, 1]².
///
/// The drawing is centred and scaled by its larger side, so its aspect ratio is kept: one axis
/// spans 0 to 1, the other a centred part of it. A single node sits at the centre.
#[must_use]
pub fn force_layout(graph: &CoplayGraph, options: &LayoutOptions) -> Vec<[f64; 2]> {
    let n = graph.node_count();
    let mut rng = SeededRng::new(options.seed);
    let mut pos: Vec<[f64; 2]> = (0..n).map(|_| [rng.next_f64(), rng.next_f64()]).collect();
    if n < 2 {
        return vec![[0.5, 0.5]; n];
    }
    let pulls = Pulls::of(graph);
    #[expect(clippy::cast_precision_loss, reason = "node counts are far below 2^52")]
    let spacing = (1.0 / n as f64).sqrt();
    let inverse_spacing = narrow(1.0 / spacing);
    let mut xs = vec![0.0_f32; n];
    let mut ys = vec![0.0_f32; n];
    let mut temperature = 0.1 * extent(&pos).2;
    #[expect(clippy::cast_precision_loss, reason = "iteration counts are small")]
    let cooling = temperature / (options.iterations as f64 + 1.0);
    let mut force = vec![[0.0_f64; 2]; n];
    let mut stack = Vec::new();
    for _ in 0..options.iterations {
        let tree = QuadTree::build(&pos);
        for (i, f) in force.iter_mut().enumerate() {
            *f = tree.push_on(i, &pos, spacing * spacing, options.theta, &mut stack);
        }
        // Each member sums the pulls of its own partners: every edge is read twice, but each
        // member's force is written once, with its row of neighbours read in order. Single
        // precision here halves the cost of the 40 million square roots of a large server's
        // layout, and relative pulls need no more than its 7 digits.
        for (p, (x, y)) in pos.iter().zip(xs.iter_mut().zip(ys.iter_mut())) {
            *x = narrow(p[0]);
            *y = narrow(p[1]);
        }
        for (a, f) in force.iter_mut().enumerate() {
            let range = pulls.offsets[a]..pulls.offsets[a + 1];
            let (fx, fy) = pulls.pull_on(
                xs[a],
                ys[a],
                &pulls.neighbours[range.clone()],
                &pulls.weights[range],
                &xs,
                &ys,
                inverse_spacing,
            );
            f[0] -= f64::from(fx);
            f[1] -= f64::from(fy);
        }
        for (p, f) in pos.iter_mut().zip(&force) {
            let length = (f[0] * f[0] + f[1] * f[1]).sqrt();
            // networkx: a near-zero force still moves a node a little, as if its force were 0.1.
            let length = if length < 0.01 { 0.1 } else { length };
            p[0] += f[0] * temperature / length;
            p[1] += f[1] * temperature / length;
        }
        temperature -= cooling;
    }
    into_unit_square(&mut pos);
    pos
}

/// Every member's partners and the weight of each pull: time together over the longest pair's.
struct Pulls {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
    weights: Vec<f32>,
}

impl Pulls {
    fn of(graph: &CoplayGraph) -> Self {
        let max = graph.edges().map(|(_, _, w)| w).fold(0.0, f64::max);
        let scale = if max > 0.0 { 1.0 / max } else { 0.0 };
        let mut offsets = Vec::with_capacity(graph.node_count() + 1);
        offsets.push(0);
        let mut neighbours = Vec::new();
        let mut weights = Vec::new();
        for node in 0..graph.node_count() {
            let (targets, w) = graph.neighbours(node_index(node));
            neighbours.extend_from_slice(targets);
            weights.extend(w.iter().map(|w| narrow(w * scale)));
            offsets.push(neighbours.len());
        }
        Self {
            offsets,
            neighbours,
            weights,
        }
    }

    /// The summed pull w·d²/k of `neighbours` on a member at (x, y), along the unit vectors
    /// from each neighbour: Σ w·(d/k)·(dx, dy).
    #[expect(
        clippy::too_many_arguments,
        reason = "the hot loop's inputs, passed as slices"
    )]
    #[expect(clippy::unused_self, reason = "kept beside the rows it reads")]
    fn pull_on(
        &self,
        x: f32,
        y: f32,
        neighbours: &[u32],
        weights: &[f32],
        xs: &[f32],
        ys: &[f32],
        inverse_spacing: f32,
    ) -> (f32, f32) {
        let (mut fx, mut fy) = (0.0_f32, 0.0_f32);
        for (&b, &w) in neighbours.iter().zip(weights) {
            let dx = x - xs[b as usize];
            let dy = y - ys[b as usize];
            let d = (dx * dx + dy * dy).sqrt().max(0.01);
            let pull = w * d * inverse_spacing;
            fx += pull * dx;
            fy += pull * dy;
        }
        (fx, fy)
    }
}

/// A position or weight in single precision, for the pull loop.
#[expect(
    clippy::cast_possible_truncation,
    reason = "positions and relative weights lose only digits the picture cannot show"
)]
fn narrow(value: f64) -> f32 {
    value as f32
}

/// (centre x, centre y, larger side) of the bounding box.
fn extent(pos: &[[f64; 2]]) -> (f64, f64, f64) {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in pos {
        for axis in 0..2 {
            lo[axis] = lo[axis].min(p[axis]);
            hi[axis] = hi[axis].max(p[axis]);
        }
    }
    let side = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    (
        f64::midpoint(lo[0], hi[0]),
        f64::midpoint(lo[1], hi[1]),
        side,
    )
}

fn into_unit_square(pos: &mut [[f64; 2]]) {
    let (cx, cy, side) = extent(pos);
    let scale = if side > 0.0 { 1.0 / side } else { 0.0 };
    for p in pos {
        *p = [
            ((p[0] - cx) * scale + 0.5).clamp(0.0, 1.0),
            ((p[1] - cy) * scale + 0.5).clamp(0.0, 1.0),
        ];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    }

    /// Two squads of six who play among themselves, and one evening between them.
    fn two_squads() -> CoplayGraph {
        let mut edges = Vec::new();
        for squad in [1_u64, 101] {
            for a in squad..squad + 6 {
                for b in a + 1..squad + 6 {
                    edges.push((a, b, 3_600_000.0));
                }
            }
        }
        edges.push((6, 101, 600_000.0));
        CoplayGraph::from_edges(edges)
    }

    #[test]
    fn the_same_seed_draws_the_same_picture_and_another_seed_another() {
        let graph = two_squads();
        let options = LayoutOptions::default();
        let first = force_layout(&graph, &options);
        assert_eq!(first, force_layout(&graph, &options));
        let other = LayoutOptions { seed: 7, ..options };
        assert_ne!(first, force_layout(&graph, &other));
    }

    #[test]
    fn every_member_lands_in_the_unit_square_which_the_picture_fills() {
        let positions = force_layout(&two_squads(), &LayoutOptions::default());
        assert_eq!(positions.len(), 12);
        assert!(positions
            .iter()
            .all(|p| (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1])));
        let (_, _, side) = extent(&positions);
        assert!((side - 1.0).abs() < 1e-9);
    }

    #[test]
    fn squad_mates_sit_closer_to_each_other_than_to_the_other_squad() {
        for theta in [0.0, 1.0] {
            let options = LayoutOptions {
                theta,
                ..LayoutOptions::default()
            };
            let pos = force_layout(&two_squads(), &options);
            let (mut inside, mut across) = (Vec::new(), Vec::new());
            for a in 0..12 {
                for b in a + 1..12 {
                    let d = distance(pos[a], pos[b]);
                    if (a < 6) == (b < 6) {
                        inside.push(d);
                    } else {
                        across.push(d);
                    }
                }
            }
            let mean =
                |v: &[f64]| v.iter().sum::<f64>() / f64::from(u32::try_from(v.len()).unwrap_or(1));
            assert!(
                mean(&inside) * 2.0 < mean(&across),
                "theta {theta}: {} vs {}",
                mean(&inside),
                mean(&across)
            );
        }
    }

    #[test]
    fn a_lone_pair_and_an_empty_graph_still_get_positions() {
        let pair = CoplayGraph::from_edges([(1, 2, 1.0)]);
        let pos = force_layout(&pair, &LayoutOptions::default());
        assert_eq!(pos.len(), 2);
        assert!(distance(pos[0], pos[1]) > 0.5);
        assert!(force_layout(&CoplayGraph::default(), &LayoutOptions::default()).is_empty());
    }
}
