//! Dense indices for Discord ids, and the hasher the co-play maps use.
//!
//! The sweep, the graph and the community search all index arrays by member; snowflakes are
//! sparse 64-bit numbers, so each analysis first numbers the members it sees 0, 1, 2, … in
//! order of id, which also makes index order the same as id order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::seed::mix;

/// A hasher for keys that are already integers: one `SplitMix64` finaliser instead of `SipHash`,
/// several times faster on the hundreds of thousands of look-ups an analysis makes. These maps
/// hold our own computed keys, never input an attacker could shape against the hash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).rotate_left(8);
        }
    }

    fn write_u64(&mut self, value: u64) {
        // Several integers (a pair's two ids) fold into one state before the final mix.
        self.0 = mix(self.0 ^ value);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// The distinct ids of one analysis, numbered in ascending order of id.
#[derive(Clone, Debug, Default)]
pub(crate) struct DenseIds {
    ids: Vec<u64>,
    index: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
}

impl DenseIds {
    /// Numbers the distinct ids among `ids`.
    ///
    /// # Panics
    ///
    /// With more than `u32::MAX` distinct ids, far beyond any guild.
    pub(crate) fn from_ids(ids: impl Iterator<Item = u64>) -> Self {
        let mut index: HashMap<u64, u32, BuildHasherDefault<IdHasher>> = HashMap::default();
        for id in ids {
            index.entry(id).or_insert(0);
        }
        let mut sorted: Vec<u64> = index.keys().copied().collect();
        sorted.sort_unstable();
        for (i, id) in sorted.iter().enumerate() {
            index.insert(*id, u32::try_from(i).expect("fewer than 2^32 distinct ids"));
        }
        Self { ids: sorted, index }
    }

    /// How many distinct ids.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The index of `id`, which must be one of the numbered ids.
    pub(crate) fn index_u32(&self, id: u64) -> u32 {
        self.index[&id]
    }

    /// The index of `id`, which must be one of the numbered ids.
    pub(crate) fn index(&self, id: u64) -> usize {
        self.index_u32(id) as usize
    }

    /// The id numbered `index`.
    pub(crate) fn id(&self, index: usize) -> u64 {
        self.ids[index]
    }

    /// All ids, ascending; position = index.
    pub(crate) fn into_ids(self) -> Vec<u64> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbered_in_ascending_order_whatever_order_they_arrive_in() {
        let ids = DenseIds::from_ids([900_u64, 5, 900, 70].into_iter());
        assert_eq!(ids.len(), 3);
        assert_eq!((ids.index(5), ids.index(70), ids.index(900)), (0, 1, 2));
        assert_eq!(ids.id(2), 900);
    }
}
