//! The Barnes–Hut quadtree behind the layout's all-pairs push.
//!
//! Rebuilt every step from the current positions: each cell knows how many members it holds
//! and their centre of mass, so a cell far enough away pushes like one member of that weight.

/// Cells deeper than this keep all their members in one leaf: members at (nearly) the same
/// point would otherwise split the square for ever.
const MAX_DEPTH: u32 = 24;

/// Members per leaf; below this, exact sums are cheaper than more cells.
const LEAF_SIZE: usize = 4;

#[derive(Clone, Copy, Debug)]
struct Cell {
    /// Centre of mass.
    centre: [f64; 2],
    /// Members inside.
    mass: f64,
    /// Lower-left corner and side of the square.
    corner: [f64; 2],
    side: f64,
    /// Leaf: the range of `order` holding its members; inner: the range of `cells` holding its
    /// children.
    first: u32,
    len: u32,
    leaf: bool,
}

impl Cell {
    /// Whether `p` lies in this cell's square: a cell holding the member itself is never taken
    /// whole, or the member would push itself.
    fn holds(&self, p: [f64; 2]) -> bool {
        (0..2).all(|axis| p[axis] >= self.corner[axis] && p[axis] <= self.corner[axis] + self.side)
    }
}

/// A quadtree over member positions.
pub(super) struct QuadTree {
    cells: Vec<Cell>,
    order: Vec<u32>,
}

impl QuadTree {
    /// The tree of `pos`.
    pub(super) fn build(pos: &[[f64; 2]]) -> Self {
        let mut order: Vec<u32> = (0..pos.len())
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for p in pos {
            for axis in 0..2 {
                lo[axis] = lo[axis].min(p[axis]);
                hi[axis] = hi[axis].max(p[axis]);
            }
        }
        let side = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(f64::MIN_POSITIVE);
        let mut tree = Self {
            cells: Vec::with_capacity(pos.len()),
            order: Vec::new(),
        };
        tree.cells.push(placeholder());
        let n = order.len();
        tree.fill(0, pos, &mut order, 0, n, lo, side, 0);
        tree.order = order;
        tree
    }

    /// Fills cell `at` with the members `order[from..to]`, inside the square at `corner`.
    #[expect(
        clippy::too_many_arguments,
        reason = "a recursive helper over one build's state"
    )]
    fn fill(
        &mut self,
        at: usize,
        pos: &[[f64; 2]],
        order: &mut [u32],
        from: usize,
        to: usize,
        corner: [f64; 2],
        side: f64,
        depth: u32,
    ) {
        let members = &order[from..to];
        let mut centre = [0.0; 2];
        for &m in members {
            centre[0] += pos[m as usize][0];
            centre[1] += pos[m as usize][1];
        }
        #[expect(clippy::cast_precision_loss, reason = "member counts are small")]
        let mass = members.len() as f64;
        centre = [centre[0] / mass, centre[1] / mass];
        if members.len() <= LEAF_SIZE || depth >= MAX_DEPTH {
            self.cells[at] = Cell {
                centre,
                mass,
                corner,
                side,
                first: index(from),
                len: index(to - from),
                leaf: true,
            };
            return;
        }
        // Split the members into the four quadrants in place: by x, then each half by y.
        let half = side / 2.0;
        let mid = [corner[0] + half, corner[1] + half];
        let x_split = from + partition(&mut order[from..to], |m| pos[m as usize][0] < mid[0]);
        let y_split_left =
            from + partition(&mut order[from..x_split], |m| pos[m as usize][1] < mid[1]);
        let y_split_right =
            x_split + partition(&mut order[x_split..to], |m| pos[m as usize][1] < mid[1]);
        let quadrants = [
            (from, y_split_left, corner),
            (y_split_left, x_split, [corner[0], mid[1]]),
            (x_split, y_split_right, [mid[0], corner[1]]),
            (y_split_right, to, mid),
        ];
        let first_child = self.cells.len();
        let children = quadrants.iter().filter(|(a, b, _)| b > a).count();
        self.cells
            .extend(std::iter::repeat_n(placeholder(), children));
        self.cells[at] = Cell {
            centre,
            mass,
            corner,
            side,
            first: index(first_child),
            len: index(children),
            leaf: false,
        };
        let mut child = first_child;
        for (a, b, quadrant_corner) in quadrants {
            if b > a {
                self.fill(child, pos, order, a, b, quadrant_corner, half, depth + 1);
                child += 1;
            }
        }
    }

    /// The push of every other member on member `i`: Σ k²·(pᵢ − pⱼ)/d², far cells taken whole.
    /// `stack` is scratch space, passed in so that 100,000 calls a layout allocate nothing.
    pub(super) fn push_on(
        &self,
        i: usize,
        pos: &[[f64; 2]],
        k2: f64,
        theta: f64,
        stack: &mut Vec<usize>,
    ) -> [f64; 2] {
        let p = pos[i];
        let mut force = [0.0; 2];
        stack.clear();
        stack.push(0);
        let theta2 = theta * theta;
        while let Some(at) = stack.pop() {
            let cell = self.cells[at];
            let dx = p[0] - cell.centre[0];
            let dy = p[1] - cell.centre[1];
            let d2 = dx * dx + dy * dy;
            if cell.leaf {
                for &m in &self.order[cell.first as usize..(cell.first + cell.len) as usize] {
                    if m as usize != i {
                        add_push(&mut force, p, pos[m as usize], 1.0, k2);
                    }
                }
            } else if cell.side * cell.side < theta2 * d2 && !cell.holds(p) {
                force[0] += cell.mass * k2 * dx / d2;
                force[1] += cell.mass * k2 * dy / d2;
            } else {
                stack.extend(cell.first as usize..(cell.first + cell.len) as usize);
            }
        }
        force
    }
}

/// Adds the push of a body of `mass` at `q` on a member at `p`; networkx floors distances at
/// 0.01 so that members on top of each other do not fly off to infinity.
fn add_push(force: &mut [f64; 2], p: [f64; 2], q: [f64; 2], mass: f64, k2: f64) {
    let dx = p[0] - q[0];
    let dy = p[1] - q[1];
    let d2 = (dx * dx + dy * dy).max(1e-4);
    force[0] += mass * k2 * dx / d2;
    force[1] += mass * k2 * dy / d2;
}

/// Moves the items satisfying `left` to the front; returns how many there are.
fn partition(items: &mut [u32], left: impl Fn(u32) -> bool) -> usize {
    let mut boundary = 0;
    for i in 0..items.len() {
        if left(items[i]) {
            items.swap(i, boundary);
            boundary += 1;
        }
    }
    boundary
}

fn placeholder() -> Cell {
    Cell {
        centre: [0.0; 2],
        mass: 0.0,
        corner: [0.0; 2],
        side: 0.0,
        first: 0,
        len: 0,
        leaf: true,
    }
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "cell and member counts of a layout stay far below 2^32"
)]
fn index(i: usize) -> u32 {
    i as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_cluster_pushes_almost_exactly_as_its_members_do() {
        let mut pos = vec![[0.0, 0.0]];
        for i in 0..40 {
            let f = f64::from(i);
            pos.push([10.0 + (f * 0.37).sin() * 0.3, 10.0 + (f * 0.71).cos() * 0.3]);
        }
        let tree = QuadTree::build(&pos);
        let exact = tree.push_on(0, &pos, 1.0, 0.0, &mut Vec::new());
        let approx = tree.push_on(0, &pos, 1.0, 1.0, &mut Vec::new());
        for axis in 0..2 {
            assert!(exact[axis] < 0.0);
            assert!((approx[axis] - exact[axis]).abs() < 1e-3 * exact[axis].abs());
        }
    }

    #[test]
    fn members_on_one_spot_do_not_split_the_square_for_ever() {
        let pos = vec![[0.5, 0.5]; 100];
        let tree = QuadTree::build(&pos);
        let push = tree.push_on(3, &pos, 1.0, 1.0, &mut Vec::new());
        assert!(push[0].is_finite() && push[1].is_finite());
    }
}
