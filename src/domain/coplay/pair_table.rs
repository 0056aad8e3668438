//! Time together per pair of members and local day, kept up to date stay by stay: what the duo
//! chart and the community graph read instead of sweeping the whole voice history at every
//! draw.
//!
//! - [`ChannelStays`] holds the closed stays of each channel in order of join, so that the
//!   stays a new one overlapped are a binary search away.
//! - [`PairTable`] holds, per pair, the total of their closed stays' overlaps and, per local day,
//!   what each day added, so that a period starting at a local midnight is the total minus the
//!   days before it (or the sum of the days after, whichever is shorter).
//!
//! Overlaps involving a stay that is still open grow until it closes, so they are kept apart
//! and replaced whole at every read ([`PairTable::set_open`]); a closed stay is added once
//! ([`PairTable::add`]). The definition is [`super::pair_overlaps`]'s, to the millisecond.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono_tz::Tz;

use super::ids::IdHasher;
use super::overlap::VoiceStay;
use super::pair::{PairOverlap, UserPair};
use crate::domain::voice_time::clock::LocalClock;

/// A stay as a channel holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Held {
    start_ms: i64,
    end_ms: i64,
    user: u64,
}

/// One channel's closed stays, in order of join.
#[derive(Clone, Debug, Default)]
struct Channel {
    stays: Vec<Held>,
    /// The longest stay: a stay overlapping an instant joined at most this long before it.
    longest_ms: i64,
}

/// Closed voice stays grouped by channel, each channel's in order of join.
#[derive(Clone, Debug, Default)]
pub struct ChannelStays {
    channels: HashMap<u64, Channel, BuildHasherDefault<IdHasher>>,
    len: usize,
}

impl ChannelStays {
    /// No stays.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a closed stay; an empty one is dropped.
    pub fn insert(&mut self, stay: &VoiceStay) {
        if stay.end_ms <= stay.start_ms {
            return;
        }
        let channel = self.channels.entry(stay.channel).or_default();
        let held = Held {
            start_ms: stay.start_ms,
            end_ms: stay.end_ms,
            user: stay.user,
        };
        // Stays mostly close in order of join: the common case is a push at the end.
        let at = channel
            .stays
            .iter()
            .rposition(|other| other.start_ms <= held.start_ms)
            .map_or(0, |before| before + 1);
        channel.stays.insert(at, held);
        channel.longest_ms = channel.longest_ms.max(held.end_ms - held.start_ms);
        self.len += 1;
    }

    /// The held stays of other members in `stay`'s channel that overlap it.
    pub fn overlapping<'a>(&'a self, stay: &'a VoiceStay) -> impl Iterator<Item = VoiceStay> + 'a {
        let candidates = self.channels.get(&stay.channel).map_or(&[][..], |channel| {
            let earliest = stay.start_ms.saturating_sub(channel.longest_ms);
            let from = channel.stays.partition_point(|s| s.start_ms < earliest);
            let to = channel.stays.partition_point(|s| s.start_ms < stay.end_ms);
            &channel.stays[from..to.max(from)]
        });
        candidates
            .iter()
            .filter(move |other| other.user != stay.user && other.end_ms > stay.start_ms)
            .map(move |other| VoiceStay {
                user: other.user,
                channel: stay.channel,
                start_ms: other.start_ms,
                end_ms: other.end_ms,
            })
    }

    /// Every stay, channel by channel, each channel's in order of join.
    pub fn iter(&self) -> impl Iterator<Item = VoiceStay> + '_ {
        self.channels.iter().flat_map(|(&channel, held)| {
            held.stays.iter().map(move |s| VoiceStay {
                user: s.user,
                channel,
                start_ms: s.start_ms,
                end_ms: s.end_ms,
            })
        })
    }

    /// The stays of one channel, in order of join.
    pub fn in_channel(&self, channel: u64) -> impl Iterator<Item = VoiceStay> + '_ {
        self.channels
            .get(&channel)
            .into_iter()
            .flat_map(move |held| {
                held.stays.iter().map(move |s| VoiceStay {
                    user: s.user,
                    channel,
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                })
            })
    }

    /// Gives back the room each channel's list grew into beyond its stays.
    pub fn shrink_to_fit(&mut self) {
        for channel in self.channels.values_mut() {
            channel.stays.shrink_to_fit();
        }
    }

    /// How many stays are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no stay is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What one local day added to one pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PairDay {
    day: i32,
    pair: u32,
    /// At most a day.
    ms: u32,
}

/// How far past the stays seen so far the clock is prepared at once, so that it is rebuilt a
/// few times a year rather than at every new stay.
const CLOCK_AHEAD_MS: i64 = 90 * 86_400_000;

/// Time together per pair, in total and per local day, on one zone's clock.
#[derive(Clone, Debug)]
pub struct PairTable {
    clock: LocalClock,
    /// The clock's span: stays outside it rebuild the clock.
    span: (i64, i64),
    /// Members as dense rows.
    rows: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    users: Vec<u64>,
    /// Pairs as dense numbers, keyed by `low_row << 32 | high_row`.
    numbers: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    /// The two rows of each pair, in no particular order.
    pairs: Vec<(u32, u32)>,
    /// Per pair, the total of closed stays' overlaps (ms).
    totals: Vec<u64>,
    /// What each day added, ascending by day.
    days: Vec<PairDay>,
    /// Days added since the last sort, in any order.
    pending: Vec<PairDay>,
    /// Overlaps involving a stay open at the last read.
    open: Vec<PairDay>,
}

impl PairTable {
    /// An empty table on the clock of `tz`.
    #[must_use]
    pub fn new(tz: Tz) -> Self {
        Self {
            clock: LocalClock::new(tz, 0, 0),
            span: (0, 0),
            rows: HashMap::default(),
            users: Vec::new(),
            numbers: HashMap::default(),
            pairs: Vec::new(),
            totals: Vec::new(),
            days: Vec::new(),
            pending: Vec::new(),
            open: Vec::new(),
        }
    }

    /// The table of `stays`, all taken as closed, with the channels it built to find overlaps.
    #[must_use]
    pub fn from_stays(stays: &[VoiceStay], tz: Tz) -> (Self, ChannelStays) {
        let mut table = Self::new(tz);
        let mut channels = ChannelStays::new();
        for stay in stays {
            table.add(&channels, stay);
            channels.insert(stay);
        }
        (table, channels)
    }

    /// The table of every stay in `channels`, all closed.
    #[must_use]
    pub fn build(tz: Tz, channels: &ChannelStays) -> Self {
        let mut table = Self::new(tz);
        // Counted first, so the days are allocated once: grown by doubling, a large server's
        // would briefly take three times their size.
        let mut overlaps = 0;
        Self::each_held_overlap(channels, |_, _, _, _| overlaps += 1);
        table.pending.reserve(overlaps + overlaps / 16);
        Self::each_held_overlap(channels, |a, b, from, to| table.add_overlap(a, b, from, to));
        table
    }

    /// Calls `each` with the members and the span of every two overlapping stays in `channels`.
    fn each_held_overlap(channels: &ChannelStays, mut each: impl FnMut(u64, u64, i64, i64)) {
        for held in channels.channels.values() {
            for (index, stay) in held.stays.iter().enumerate() {
                // Each pair of stays once: with the earlier joins still there when this one joins.
                let earliest = stay.start_ms.saturating_sub(held.longest_ms);
                let from = held.stays[..index].partition_point(|s| s.start_ms < earliest);
                for other in &held.stays[from..index] {
                    if other.user != stay.user && other.end_ms > stay.start_ms {
                        each(
                            stay.user,
                            other.user,
                            stay.start_ms,
                            stay.end_ms.min(other.end_ms),
                        );
                    }
                }
            }
        }
    }

    /// The zone whose clock the days are on.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.clock.tz()
    }

    /// Adds closed `stay`'s overlaps with the stays in `channels`, which must not hold it yet;
    /// the caller inserts it there afterwards.
    pub fn add(&mut self, channels: &ChannelStays, stay: &VoiceStay) {
        if stay.end_ms <= stay.start_ms {
            return;
        }
        for other in channels.overlapping(stay) {
            self.add_overlap(
                stay.user,
                other.user,
                stay.start_ms.max(other.start_ms),
                stay.end_ms.min(other.end_ms),
            );
        }
    }

    /// Adds `[from, to)` together to the pair of `a` and `b`.
    fn add_overlap(&mut self, a: u64, b: u64, from: i64, to: i64) {
        let number = self.number(a, b);
        self.totals[number as usize] += (to - from).unsigned_abs();
        let mut pending = std::mem::take(&mut self.pending);
        self.push_days(&mut pending, number, from, to);
        self.pending = pending;
    }

    /// Pushes onto `days` what `[from, to)` gives pair `number` on each local day it touches.
    fn push_days(&mut self, days: &mut Vec<PairDay>, number: u32, from: i64, to: i64) {
        self.each_day(from, to, |day, ms| {
            days.push(PairDay {
                day,
                pair: number,
                ms,
            });
        });
    }

    /// Replaces the overlaps of open stays by those of `stays` (each clamped to the moment of
    /// the read): with the closed stays in `channels` and with each other.
    pub fn set_open(&mut self, channels: &ChannelStays, stays: &[VoiceStay]) {
        let mut open = std::mem::take(&mut self.open);
        open.clear();
        for (index, stay) in stays.iter().enumerate() {
            if stay.end_ms <= stay.start_ms {
                continue;
            }
            let earlier_open = stays[..index]
                .iter()
                .filter(|other| {
                    other.channel == stay.channel
                        && other.user != stay.user
                        && other.end_ms > stay.start_ms
                        && other.start_ms < stay.end_ms
                })
                .copied();
            let others: Vec<VoiceStay> = channels.overlapping(stay).chain(earlier_open).collect();
            for other in others {
                let number = self.number(stay.user, other.user);
                let (from, to) = (
                    stay.start_ms.max(other.start_ms),
                    stay.end_ms.min(other.end_ms),
                );
                self.push_days(&mut open, number, from, to);
            }
        }
        self.open = open;
    }

    /// Calls `each` with the time together of every pair of members `shown` accepts, from local
    /// day `from_day` on, that has some, in no particular order: a large server has hundreds of
    /// thousands of pairs, which a caller that keeps a few need not hold at once.
    pub fn each_overlap(
        &mut self,
        from_day: i64,
        shown: impl Fn(u64) -> bool,
        mut each: impl FnMut(PairOverlap),
    ) {
        self.sort_pending();
        let from =
            i32::try_from(from_day).unwrap_or(if from_day < 0 { i32::MIN } else { i32::MAX });
        let cut = self.days.partition_point(|d| d.day < from);
        let open = self.open.iter().filter(|d| d.day >= from);
        // Whichever side of the cut is shorter is read; the whole history needs no copy.
        let sums: std::borrow::Cow<'_, [u64]> = if cut == 0 && self.open.is_empty() {
            std::borrow::Cow::Borrowed(&self.totals)
        } else if cut * 2 <= self.days.len() {
            let mut sums = self.totals.clone();
            for before in &self.days[..cut] {
                sums[before.pair as usize] -= u64::from(before.ms);
            }
            for open in open {
                sums[open.pair as usize] += u64::from(open.ms);
            }
            std::borrow::Cow::Owned(sums)
        } else {
            let mut sums = vec![0_u64; self.totals.len()];
            for after in self.days[cut..].iter().chain(open) {
                sums[after.pair as usize] += u64::from(after.ms);
            }
            std::borrow::Cow::Owned(sums)
        };
        let visible: Vec<bool> = self.users.iter().map(|&user| shown(user)).collect();
        for (&overlap_ms, &(a, b)) in sums.iter().zip(&self.pairs) {
            if overlap_ms > 0 && visible[a as usize] && visible[b as usize] {
                if let Some(pair) = UserPair::new(self.users[a as usize], self.users[b as usize]) {
                    each(PairOverlap { pair, overlap_ms });
                }
            }
        }
    }

    /// The dense number of the pair of `a` and `b` (different members), numbering a new one.
    fn number(&mut self, a: u64, b: u64) -> u32 {
        let (a, b) = (self.row(a), self.row(b));
        let (low, high) = if a < b { (a, b) } else { (b, a) };
        let next = u32::try_from(self.pairs.len()).unwrap_or(u32::MAX);
        let number = *self
            .numbers
            .entry(u64::from(low) << 32 | u64::from(high))
            .or_insert(next);
        if number == next {
            self.pairs.push((low, high));
            self.totals.push(0);
        }
        number
    }

    fn row(&mut self, user: u64) -> u32 {
        let next = u32::try_from(self.users.len()).unwrap_or(u32::MAX);
        let row = *self.rows.entry(user).or_insert(next);
        if row == next {
            self.users.push(user);
        }
        row
    }

    /// Calls `each` with every local day `[from, to)` touches and the time in it.
    fn each_day(&mut self, from: i64, to: i64, mut each: impl FnMut(i32, u32)) {
        if from < self.span.0 || to > self.span.1 {
            let low = from.min(self.span.0);
            let high = to.max(self.span.1).saturating_add(CLOCK_AHEAD_MS);
            self.clock = LocalClock::new(self.clock.tz(), low, high);
            self.span = (low, high);
        }
        let mut at = from;
        while at < to {
            let day = self.clock.local_day(at);
            let end = to.min(self.clock.next_midnight(at));
            each(
                i32::try_from(day).unwrap_or_default(),
                u32::try_from(end - at).unwrap_or(u32::MAX),
            );
            at = end;
        }
    }

    /// Moves the days added since the last read into `days`, keeping it ascending by day and
    /// one entry per pair and day. New days are mostly the latest, so only the tail they reach
    /// is merged.
    fn sort_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        let first = pending.iter().map(|d| d.day).min().unwrap_or_default();
        let cut = self.days.partition_point(|d| d.day < first);
        pending.extend(self.days.drain(cut..));
        pending.sort_unstable_by_key(|d| (d.day, d.pair));
        pending.dedup_by(|later, kept| {
            let same = (later.day, later.pair) == (kept.day, kept.pair);
            if same {
                kept.ms = kept.ms.saturating_add(later.ms);
            }
            same
        });
        if self.days.is_empty() {
            // Kept with its spare room: shrinking would copy it whole.
            self.days = pending;
        } else {
            self.days.extend(pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pair_overlaps;
    use super::super::seed::SeededRng;
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    /// `count` stays of `members` members in `channels` channels over 30 days, up to six hours
    /// long and many crossing midnight, in order of join.
    fn random_stays(seed: u64, count: usize, members: usize, channels: usize) -> Vec<VoiceStay> {
        let mut rng = SeededRng::new(seed);
        let mut stays: Vec<VoiceStay> = (0..count)
            .map(|_| {
                let start_ms = i64::try_from(rng.below(30 * 86_400)).expect("small") * 1000;
                let length = i64::try_from(rng.below(6 * 3600)).expect("small") * 1000;
                VoiceStay {
                    user: 100 + rng.below(members) as u64,
                    channel: rng.below(channels) as u64,
                    start_ms,
                    end_ms: start_ms + length,
                }
            })
            .collect();
        stays.sort_by_key(|s| s.start_ms);
        stays
    }

    /// Every pair's time together from `from_day` on, members `shown` accepts.
    trait Overlaps {
        fn overlaps(&mut self, from_day: i64, shown: impl Fn(u64) -> bool) -> Vec<PairOverlap>;
    }

    impl Overlaps for PairTable {
        fn overlaps(&mut self, from_day: i64, shown: impl Fn(u64) -> bool) -> Vec<PairOverlap> {
            let mut overlaps = Vec::new();
            self.each_overlap(from_day, shown, |overlap| overlaps.push(overlap));
            overlaps
        }
    }

    fn sorted(mut overlaps: Vec<PairOverlap>) -> Vec<PairOverlap> {
        overlaps.sort_unstable_by_key(|o| o.pair);
        overlaps
    }

    #[test]
    fn stays_added_one_by_one_in_any_order_give_the_whole_sweep() {
        let stays = random_stays(7, 400, 12, 3);
        let (mut table, channels) = PairTable::from_stays(&stays, Tz::UTC);
        assert_eq!(channels.len(), stays.len());
        assert_eq!(
            sorted(table.overlaps(i64::MIN, |_| true)),
            pair_overlaps(&stays)
        );
        // Backwards: every stay closes before the ones that joined earlier.
        let backwards: Vec<VoiceStay> = stays.iter().rev().copied().collect();
        let (mut table, _) = PairTable::from_stays(&backwards, Tz::UTC);
        assert_eq!(
            sorted(table.overlaps(i64::MIN, |_| true)),
            pair_overlaps(&stays)
        );
    }

    #[test]
    fn a_period_from_a_local_midnight_counts_the_time_after_it_only() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let stays = random_stays(11, 300, 8, 2);
        let (mut table, _) = PairTable::from_stays(&stays, tz);
        let clock = LocalClock::new(tz, 0, 40 * DAY_MS);
        for from_day in [-1, 3, 10, 19, 100] {
            let since = clock.day_start(from_day);
            let clamped: Vec<VoiceStay> = stays
                .iter()
                .map(|s| VoiceStay {
                    start_ms: s.start_ms.max(since),
                    ..*s
                })
                .collect();
            assert_eq!(
                sorted(table.overlaps(from_day, |_| true)),
                pair_overlaps(&clamped),
                "from day {from_day}"
            );
        }
    }

    #[test]
    fn open_stays_are_replaced_whole_and_hidden_members_left_out() {
        let a = |user, start, end| VoiceStay {
            user,
            channel: 1,
            start_ms: start,
            end_ms: end,
        };
        let (mut table, channels) = PairTable::from_stays(&[a(1, 0, 100), a(2, 50, 200)], Tz::UTC);
        table.set_open(&channels, &[a(3, 150, 300), a(4, 160, 300)]);
        table.set_open(&channels, &[a(3, 150, 400), a(4, 160, 400)]);
        let everyone = sorted(table.overlaps(i64::MIN, |_| true));
        let ms = |x: u64, y: u64| {
            everyone
                .iter()
                .find(|o| o.pair == UserPair::new(x, y).expect("two"))
                .map(|o| o.overlap_ms)
        };
        assert_eq!(ms(1, 2), Some(50));
        assert_eq!(ms(2, 3), Some(50));
        assert_eq!(ms(3, 4), Some(240), "the second read replaced the first");
        assert_eq!(ms(1, 3), None);
        let without_two = table.overlaps(i64::MIN, |user| user != 2);
        assert_eq!(without_two.len(), 1);
        table.set_open(&channels, &[]);
        assert_eq!(table.overlaps(i64::MIN, |_| true).len(), 1);
    }
}
