//! An unordered pair of members, the key of every "played together" figure.

/// Two different members, stored lowest id first so that (Ada, Bob) and (Bob, Ada) are one key.
///
/// Usable as a map key: equal pairs hash equally and pairs order by (low, high), which is the
/// order of the reference `pairs.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserPair {
    low: u64,
    high: u64,
}

impl UserPair {
    /// The pair of `a` and `b` in either order; `None` when they are the same member, since
    /// nobody plays with themselves.
    #[must_use]
    pub fn new(a: u64, b: u64) -> Option<Self> {
        match a.cmp(&b) {
            std::cmp::Ordering::Less => Some(Self { low: a, high: b }),
            std::cmp::Ordering::Greater => Some(Self { low: b, high: a }),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The member with the lower id.
    #[must_use]
    pub fn low(self) -> u64 {
        self.low
    }

    /// The member with the higher id.
    #[must_use]
    pub fn high(self) -> u64 {
        self.high
    }

    /// The other member of the pair, or `None` if `user` is not in it.
    #[must_use]
    pub fn partner_of(self, user: u64) -> Option<u64> {
        if user == self.low {
            Some(self.high)
        } else if user == self.high {
            Some(self.low)
        } else {
            None
        }
    }
}

/// How long one pair of members spent in the same voice channel, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PairOverlap {
    /// The two members.
    pub pair: UserPair,
    /// Their summed time together, in milliseconds; always positive.
    pub overlap_ms: u64,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ADA: u64 = 30;
    const BOB: u64 = 10;

    #[test]
    fn ada_and_bob_is_the_same_pair_as_bob_and_ada() {
        let pair = UserPair::new(ADA, BOB).expect("two members");
        assert_eq!(Some(pair), UserPair::new(BOB, ADA));
        assert_eq!((pair.low(), pair.high()), (BOB, ADA));
        let mut minutes = HashMap::new();
        *minutes.entry(pair).or_insert(0) += 10;
        *minutes
            .entry(UserPair::new(BOB, ADA).expect("two members"))
            .or_insert(0) += 5;
        assert_eq!(minutes[&pair], 15);
    }

    #[test]
    fn a_member_alone_makes_no_pair_and_partners_are_found_from_either_side() {
        assert_eq!(UserPair::new(ADA, ADA), None);
        let pair = UserPair::new(ADA, BOB).expect("two members");
        assert_eq!(pair.partner_of(ADA), Some(BOB));
        assert_eq!(pair.partner_of(BOB), Some(ADA));
        assert_eq!(pair.partner_of(99), None);
    }
}
