//! Members as dense row numbers, so per-member totals are plain arrays rather than maps, and the
//! ranking every "top N" chart shares.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes a snowflake with one multiplication: ids are not chosen by an attacker here (they are
/// the server's own members), and the default `SipHash` would cost more than the chart's work.
#[derive(Default)]
pub(crate) struct SnowflakeHasher(u64);

impl Hasher for SnowflakeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, id: u64) {
        // Golden-ratio multiply, rotated so both the bucket bits (low) and the tag bits (high)
        // come from the well-mixed middle of the product.
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(20);
    }
}

/// A map keyed by member id.
pub(crate) type MemberMap<V> = HashMap<u64, V, BuildHasherDefault<SnowflakeHasher>>;

/// Members numbered 0, 1, 2… in order of first appearance.
#[derive(Default)]
pub(crate) struct MemberIndex {
    rows: MemberMap<u32>,
    ids: Vec<u64>,
    /// The last member looked up: pieces of one stay come one after another.
    last: Option<(u64, usize)>,
}

impl MemberIndex {
    /// The row of `user`, numbering a new member.
    pub(crate) fn row(&mut self, user: u64) -> usize {
        if let Some((id, row)) = self.last {
            if id == user {
                return row;
            }
        }
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        let row = *self.rows.entry(user).or_insert_with(|| {
            self.ids.push(user);
            next
        }) as usize;
        self.last = Some((user, row));
        row
    }

    /// The member of a row.
    pub(crate) fn id(&self, row: usize) -> u64 {
        self.ids[row]
    }

    /// How many members.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Rows ranked by total, largest first, ties by member id (as a stable sort of totals listed by
/// id does), at most `top`.
pub(crate) fn top_rows(members: &MemberIndex, totals: &[i64], top: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..members.len()).collect();
    rows.sort_unstable_by(|&a, &b| {
        totals[b]
            .cmp(&totals[a])
            .then_with(|| members.id(a).cmp(&members.id(b)))
    });
    rows.truncate(top);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_row_and_ties_rank_by_id() {
        let mut members = MemberIndex::default();
        assert_eq!(members.row(30), 0);
        assert_eq!(members.row(10), 1);
        assert_eq!(members.row(20), 2);
        assert_eq!(members.row(30), 0);
        assert_eq!(members.id(1), 10);
        let totals = [5, 7, 7];
        assert_eq!(top_rows(&members, &totals, 2), [1, 2]);
        assert_eq!(top_rows(&members, &totals, 9), [1, 2, 0]);
    }
}
