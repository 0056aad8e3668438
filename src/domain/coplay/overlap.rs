//! "Played together": for every pair of members, the time they spent in the same voice channel.
//!
//! A pair's time is the sum, over every two stays of theirs in the same channel, of how long
//! the stays overlapped; overlaps of zero count for nothing, and a member's own stays never
//! pair with each other. This is the reference `pairs.csv` definition, to the millisecond.
//!
//! [`pair_overlaps`] sweeps a whole history at once; [`super::PairTable`] keeps the same sums up
//! to date stay by stay.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::ids::{DenseIds, IdHasher};
use super::pair::{PairOverlap, UserPair};

/// One member's stay in one voice channel, from join to leave, in unix milliseconds.
///
/// The caller leaves out stays in the AFK channel: sitting there together is not playing
/// together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VoiceStay {
    /// Who.
    pub user: u64,
    /// Where.
    pub channel: u64,
    /// Joined at (unix ms).
    pub start_ms: i64,
    /// Left at (unix ms); a stay that ends at or before its start counts for nothing.
    pub end_ms: i64,
}

impl VoiceStay {
    /// How long the stay lasted, zero for an empty or inverted one.
    #[must_use]
    pub fn duration_ms(&self) -> i64 {
        (self.end_ms - self.start_ms).max(0)
    }
}

/// Above this many members a triangular matrix of pair sums (8 bytes a cell) would pass 32 MiB,
/// so the sums go to a hash map instead. 2,897 members fit the matrix.
const DENSE_CELLS_MAX: usize = 4 << 20;

/// The stay as the sweep sees it: dense member index, no channel (stays come grouped by it).
#[derive(Clone, Copy)]
struct SweepStay {
    start: i64,
    end: i64,
    user: u32,
}

/// Every pair of members who overlapped in some channel, with their summed overlap, in pair
/// order (low id, then high id).
///
/// Per channel, stays are taken in order of join, keeping the set of stays still open at that
/// instant; each new stay overlaps every open one by `min(ends) - join`. Time is
/// O(n log n + overlapping stay pairs); memory is O(n + members²/2) for up to 2,897 members,
/// O(n + pairs) above.
#[must_use]
pub fn pair_overlaps(stays: &[VoiceStay]) -> Vec<PairOverlap> {
    let stays: Vec<&VoiceStay> = stays.iter().filter(|s| s.end_ms > s.start_ms).collect();
    let users = DenseIds::from_ids(stays.iter().map(|s| s.user));
    let channels = DenseIds::from_ids(stays.iter().map(|s| s.channel));
    let grouped = group_by_channel(&stays, &users, &channels);
    let mut sums = PairSums::new(users.len());
    let mut open: Vec<SweepStay> = Vec::new();
    for channel_stays in grouped {
        open.clear();
        for stay in channel_stays {
            // A stay that left at or before this join overlaps nothing from now on.
            open.retain(|other| other.end > stay.start);
            for other in &open {
                if other.user != stay.user {
                    let overlap = other.end.min(stay.end) - stay.start;
                    sums.add(other.user, stay.user, overlap.unsigned_abs());
                }
            }
            open.push(stay);
        }
    }
    sums.into_overlaps(&users)
}

/// The stays split by channel, each channel's in order of join.
///
/// A counting sort by channel keeps the input order inside each channel, and the stable sort
/// by join that follows is then nearly free on histories read in order of time, as stores
/// return them.
fn group_by_channel(
    stays: &[&VoiceStay],
    users: &DenseIds,
    channels: &DenseIds,
) -> Vec<Vec<SweepStay>> {
    let mut counts = vec![0usize; channels.len()];
    let channel_of: Vec<usize> = stays.iter().map(|s| channels.index(s.channel)).collect();
    for &c in &channel_of {
        counts[c] += 1;
    }
    let mut grouped: Vec<Vec<SweepStay>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (stay, &c) in stays.iter().zip(&channel_of) {
        grouped[c].push(SweepStay {
            start: stay.start_ms,
            end: stay.end_ms,
            user: users.index_u32(stay.user),
        });
    }
    for channel_stays in &mut grouped {
        channel_stays.sort_by_key(|s| s.start);
    }
    grouped
}

/// Summed overlap per pair of dense member indices.
enum PairSums {
    /// Row-major upper triangle: cell (i, j), i < j, at `i*(2n-i-1)/2 + (j-i-1)`, so a linear
    /// scan reads pairs in (low, high) order.
    Dense { members: usize, cells: Vec<u64> },
    /// Keyed by `low << 32 | high`.
    Sparse(HashMap<u64, u64, BuildHasherDefault<IdHasher>>),
}

impl PairSums {
    fn new(members: usize) -> Self {
        let cells = members * members.saturating_sub(1) / 2;
        if cells <= DENSE_CELLS_MAX {
            Self::Dense {
                members,
                cells: vec![0; cells],
            }
        } else {
            Self::Sparse(HashMap::default())
        }
    }

    fn add(&mut self, one: u32, other: u32, overlap_ms: u64) {
        let (low, high) = if one < other {
            (one, other)
        } else {
            (other, one)
        };
        match self {
            Self::Dense { members, cells } => {
                let (i, j) = (low as usize, high as usize);
                cells[i * (2 * *members - i - 1) / 2 + (j - i - 1)] += overlap_ms;
            }
            Self::Sparse(map) => {
                *map.entry(u64::from(low) << 32 | u64::from(high))
                    .or_default() += overlap_ms;
            }
        }
    }

    /// The non-zero sums as pairs of user ids; dense indices follow id order, so index order is
    /// pair order.
    fn into_overlaps(self, users: &DenseIds) -> Vec<PairOverlap> {
        let pair = |i: usize, j: usize, overlap_ms: u64| PairOverlap {
            // Dense indices are distinct and ordered like the ids, so the pair is already low-high.
            pair: UserPair::new(users.id(i), users.id(j)).unwrap_or_else(|| unreachable!()),
            overlap_ms,
        };
        match self {
            Self::Dense { members, cells } => {
                let mut overlaps = Vec::new();
                let mut cell = 0;
                for i in 0..members {
                    for j in i + 1..members {
                        if cells[cell] > 0 {
                            overlaps.push(pair(i, j, cells[cell]));
                        }
                        cell += 1;
                    }
                }
                overlaps
            }
            Self::Sparse(map) => {
                let mut keyed: Vec<(u64, u64)> =
                    map.into_iter().filter(|&(_, ms)| ms > 0).collect();
                keyed.sort_unstable_by_key(|&(key, _)| key);
                keyed
                    .into_iter()
                    .map(|(key, ms)| pair((key >> 32) as usize, (key & 0xFFFF_FFFF) as usize, ms))
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADA: u64 = 1;
    const BOB: u64 = 2;
    const CY: u64 = 3;
    const LOUNGE: u64 = 100;
    const RANKED: u64 = 200;
    const MINUTE: i64 = 60_000;

    /// A stay from `from` to `to` minutes after 20:00.
    fn stay(user: u64, channel: u64, from: i64, to: i64) -> VoiceStay {
        let base = 1_700_000_000_000;
        VoiceStay {
            user,
            channel,
            start_ms: base + from * MINUTE,
            end_ms: base + to * MINUTE,
        }
    }

    fn together(a: u64, b: u64, minutes: u64) -> PairOverlap {
        PairOverlap {
            pair: UserPair::new(a, b).expect("two members"),
            overlap_ms: minutes * 60_000,
        }
    }

    #[test]
    fn ada_from_20_00_and_bob_from_20_10_until_ada_leaves_at_21_00_make_fifty_minutes() {
        let stays = [stay(ADA, LOUNGE, 0, 60), stay(BOB, LOUNGE, 10, 90)];
        let pairs = pair_overlaps(&stays);
        assert_eq!(pairs, [together(ADA, BOB, 50)]);
        assert_eq!(pairs[0].overlap_ms, 3_000_000);
    }

    #[test]
    fn three_people_in_one_channel_make_three_pairs() {
        let stays = [
            stay(CY, LOUNGE, 30, 45),
            stay(ADA, LOUNGE, 0, 60),
            stay(BOB, LOUNGE, 10, 90),
        ];
        assert_eq!(
            pair_overlaps(&stays),
            [
                together(ADA, BOB, 50),
                together(ADA, CY, 15),
                together(BOB, CY, 15)
            ]
        );
    }

    #[test]
    fn the_same_evening_in_different_channels_is_not_playing_together() {
        let stays = [stay(ADA, LOUNGE, 0, 60), stay(BOB, RANKED, 0, 60)];
        assert_eq!(pair_overlaps(&stays), []);
    }

    #[test]
    fn leaving_as_the_other_joins_or_an_empty_stay_counts_for_nothing() {
        let stays = [
            stay(ADA, LOUNGE, 0, 60),
            stay(BOB, LOUNGE, 60, 90),
            stay(CY, LOUNGE, 30, 30),
        ];
        assert_eq!(pair_overlaps(&stays), []);
    }

    #[test]
    fn two_evenings_add_up_and_a_members_own_stays_never_pair() {
        let stays = [
            stay(ADA, LOUNGE, 0, 60),
            stay(BOB, LOUNGE, 30, 60),
            stay(ADA, LOUNGE, 50, 70),
            stay(ADA, RANKED, 1440, 1500),
            stay(BOB, RANKED, 1450, 1460),
        ];
        // Lounge: 30 min with Ada's first stay, 10 with her second; ranked: 10.
        assert_eq!(pair_overlaps(&stays), [together(ADA, BOB, 50)]);
    }

    #[test]
    fn a_crowd_too_large_for_the_matrix_sums_the_same_way() {
        // 3,000 members, each overlapping the next for one minute in one long queue.
        let stays: Vec<VoiceStay> = (0..3000_u32)
            .map(|i| stay(1000 + u64::from(i), LOUNGE, i64::from(i), i64::from(i) + 2))
            .collect();
        let pairs = pair_overlaps(&stays);
        assert_eq!(pairs.len(), 2999);
        assert_eq!(pairs[0], together(1000, 1001, 1));
        assert_eq!(pairs[2998], together(3998, 3999, 1));
    }
}
