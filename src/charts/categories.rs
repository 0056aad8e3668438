//! A category axis (days, members, channels) for plotters: categories sit at 0, 1, … `n - 1`,
//! each owning the band ±0.5 around it, with ticks only where labels are wanted.
//!
//! plotters' own segmented axis puts an empty extra band at the end of integer ranges, and
//! its key-point combinator loses the custom label formatter, hence this small axis.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

use super::numbers::{px, to_f64};

/// `n` categories, with a tick on every `step`-th.
#[derive(Debug, Clone)]
pub(crate) struct Categories {
    n: usize,
    step: usize,
}

impl Categories {
    /// `n` categories (at least one band is laid out), labelled every `step`.
    pub(crate) fn new(n: usize, step: usize) -> Self {
        Self {
            n: n.max(1),
            step: step.max(1),
        }
    }

    /// The category a tick at `v` stands for.
    pub(crate) fn index(v: f64) -> Option<usize> {
        usize::try_from(px(v)).ok()
    }
}

impl Ranged for Categories {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value + 0.5) / to_f64(self.n);
        px(f64::from(limit.0) + share * f64::from(limit.1 - limit.0))
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.n).step_by(self.step).map(to_f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..to_f64(self.n) - 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_split_the_axis_evenly() {
        let days = Categories::new(7, 1);
        assert_eq!(days.map(&-0.5, (0, 700)), 0);
        assert_eq!(days.map(&0.0, (0, 700)), 50);
        assert_eq!(days.map(&6.5, (0, 700)), 700);
        assert_eq!(days.key_points(10_usize).len(), 7);
    }

    #[test]
    fn ticks_are_thinned_by_the_step() {
        let days = Categories::new(30, 7);
        assert_eq!(days.key_points(10_usize), vec![0.0, 7.0, 14.0, 21.0, 28.0]);
        assert_eq!(Categories::index(14.0), Some(14));
    }
}
