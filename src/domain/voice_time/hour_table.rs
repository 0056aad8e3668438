//! Each member's time in voice per local clock hour: the table the hour-based charts read,
//! kept up to date stay by stay instead of being cut again for every chart.
//!
//! A closed stay never changes, so its hours are added once ([`HourTable::add`]). Stays still
//! open are another matter: they grow until they close. They are therefore kept apart
//! ([`HourTable::set_open`]), replaced whole at every read, and a chart sees both. A member's
//! hours are ordered, so a period that starts at a local midnight is a binary search away.
//!
//! A year of a 2,000-member server is about 1.3 million member-hours (8 bytes each); the charts
//! fold them into dense accumulators, member by member, with no lookup per hour.

use chrono_tz::Tz;

use super::clock::LocalClock;
use super::hours::{day_of_hour, for_each_hour_piece, hour_of_day};
use super::members::MemberMap;
use super::VoiceStay;

/// One member's time in voice in one local clock hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourTotal {
    /// The local clock hour, as hours since 1970-01-01 00:00 local (see
    /// [`super::hours::HourPiece`]). When clocks go back, the repeated hour is one entry.
    pub local_hour: i32,
    /// Time in voice in that hour (ms).
    pub ms: u32,
}

impl HourTotal {
    /// The local calendar day, as days since 1970-01-01.
    #[must_use]
    pub fn local_day(&self) -> i64 {
        day_of_hour(self.local_hour)
    }

    /// The hour of day on the local clock, 0 to 23.
    #[must_use]
    pub fn hour_of_day(&self) -> usize {
        hour_of_day(self.local_hour)
    }
}

/// Every member's hours in voice on one zone's clock.
#[derive(Clone, Debug)]
pub struct HourTable {
    tz: Tz,
    rows: MemberMap<u32>,
    ids: Vec<u64>,
    /// Per member, hours of closed stays, ascending and distinct.
    closed: Vec<Vec<HourTotal>>,
    /// Per member, hours of the stays open at the last read (clamped to it).
    open: Vec<Vec<HourTotal>>,
    /// Per member, the latest end of a stay added (unix ms).
    last_seen_ms: Vec<i64>,
}

impl HourTable {
    /// An empty table on the clock of `tz`.
    #[must_use]
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            rows: MemberMap::default(),
            ids: Vec::new(),
            closed: Vec::new(),
            open: Vec::new(),
            last_seen_ms: Vec::new(),
        }
    }

    /// The table of `stays`, all taken as closed.
    #[must_use]
    pub fn from_stays(stays: &[VoiceStay], tz: Tz) -> Self {
        let mut table = Self::new(tz);
        table.add(stays);
        table
    }

    /// The zone whose clock the hours are on.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Adds closed stays.
    pub fn add(&mut self, stays: &[VoiceStay]) {
        self.fold(stays, false);
    }

    /// Replaces the open stays by `stays` (each clamped to the moment of the read). Their
    /// members count as seen at their ends.
    pub fn set_open(&mut self, stays: &[VoiceStay]) {
        for hours in &mut self.open {
            hours.clear();
        }
        self.fold(stays, true);
    }

    /// Adds the hours of `stays` to the open or the closed ones, and notes when their members
    /// were last seen.
    fn fold(&mut self, stays: &[VoiceStay], open: bool) {
        let clock = LocalClock::for_stays(self.tz, stays);
        // Pieces of one stay come one after another: their member is looked up once.
        let mut last: Option<(u64, usize)> = None;
        for_each_hour_piece(stays, &clock, |piece| {
            let row = match last {
                Some((user, row)) if user == piece.user => row,
                _ => {
                    let row = self.row(piece.user);
                    last = Some((piece.user, row));
                    row
                }
            };
            let hours = if open {
                &mut self.open[row]
            } else {
                &mut self.closed[row]
            };
            insert(hours, piece.local_hour, piece.ms);
        });
        for stay in stays.iter().filter(|s| s.end_ms > s.start_ms) {
            let row = self.row(stay.user);
            self.last_seen_ms[row] = self.last_seen_ms[row].max(stay.end_ms);
        }
    }

    /// The hours from local day `from_day` on, of the members `shown` accepts.
    #[must_use]
    pub fn view(&self, from_day: i64, shown: impl Fn(u64) -> bool) -> HourView<'_> {
        let from_hour = i32::try_from(from_day.saturating_mul(24)).unwrap_or(if from_day < 0 {
            i32::MIN
        } else {
            i32::MAX
        });
        let since = |hours: &'_ [HourTotal]| -> usize {
            hours.partition_point(|total| total.local_hour < from_hour)
        };
        let members = self
            .ids
            .iter()
            .enumerate()
            .filter(|&(_, &user)| shown(user))
            .filter_map(|(row, &user)| {
                let closed = &self.closed[row][since(&self.closed[row])..];
                let open = &self.open[row][since(&self.open[row])..];
                (!closed.is_empty() || !open.is_empty()).then_some(MemberHours {
                    user,
                    closed,
                    open,
                    last_seen_ms: self.last_seen_ms[row],
                })
            })
            .collect();
        HourView { members }
    }

    /// Every hour of every member.
    #[must_use]
    pub fn everything(&self) -> HourView<'_> {
        self.view(i64::MIN, |_| true)
    }

    /// How many member-hours the table holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.closed.iter().chain(&self.open).map(Vec::len).sum()
    }

    /// Whether the table holds no hour at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn row(&mut self, user: u64) -> usize {
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        let row = *self.rows.entry(user).or_insert(next) as usize;
        if row == self.ids.len() {
            self.ids.push(user);
            self.closed.push(Vec::new());
            self.open.push(Vec::new());
            self.last_seen_ms.push(i64::MIN);
        }
        row
    }
}

/// Adds `ms` to `hours` at `local_hour`, keeping them ordered. Stays mostly arrive in order,
/// so the common case is the last entry or a new one after it.
fn insert(hours: &mut Vec<HourTotal>, local_hour: i32, ms: u32) {
    match hours.last_mut() {
        Some(last) if last.local_hour == local_hour => {
            last.ms = last.ms.saturating_add(ms);
            return;
        }
        Some(last) if last.local_hour < local_hour => {}
        None => {}
        Some(_) => {
            let at = hours.partition_point(|total| total.local_hour < local_hour);
            match hours.get_mut(at) {
                Some(total) if total.local_hour == local_hour => {
                    total.ms = total.ms.saturating_add(ms);
                }
                _ => hours.insert(at, HourTotal { local_hour, ms }),
            }
            return;
        }
    }
    hours.push(HourTotal { local_hour, ms });
}

/// One member's hours in a view.
#[derive(Clone, Copy, Debug)]
pub struct MemberHours<'a> {
    /// Who.
    pub user: u64,
    /// Hours of closed stays, ascending.
    pub closed: &'a [HourTotal],
    /// Hours of stays still open, ascending.
    pub open: &'a [HourTotal],
    /// When they were last in voice (unix ms): the end of their last stay, or the moment of
    /// the read when they are in voice.
    pub last_seen_ms: i64,
}

impl MemberHours<'_> {
    /// Every hour, closed stays' first.
    pub fn hours(&self) -> impl Iterator<Item = &HourTotal> {
        self.closed.iter().chain(self.open)
    }

    /// Their total time (ms).
    #[must_use]
    pub fn total_ms(&self) -> i64 {
        self.hours().map(|total| i64::from(total.ms)).sum()
    }

    /// Their first and last local hour.
    #[must_use]
    pub fn hour_range(&self) -> Option<(i32, i32)> {
        let first = [self.closed.first(), self.open.first()]
            .into_iter()
            .flatten()
            .map(|t| t.local_hour)
            .min()?;
        let last = [self.closed.last(), self.open.last()]
            .into_iter()
            .flatten()
            .map(|t| t.local_hour)
            .max()?;
        Some((first, last))
    }
}

/// The part of a table a chart reads: some members, from some day on.
#[derive(Clone, Debug, Default)]
pub struct HourView<'a> {
    /// The members with time in the view, in the table's order.
    pub members: Vec<MemberHours<'a>>,
}

impl HourView<'_> {
    /// The first and last local day with time in voice, if any.
    #[must_use]
    pub fn day_range(&self) -> Option<(i64, i64)> {
        let (low, high) = self
            .members
            .iter()
            .filter_map(MemberHours::hour_range)
            .fold((i32::MAX, i32::MIN), |(low, high), (first, last)| {
                (low.min(first), high.max(last))
            });
        (low <= high).then(|| (day_of_hour(low), day_of_hour(high)))
    }

    /// Whether nobody has time in the view.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::calendar::DAY_MS;
    use super::super::hours::split_hours;
    use super::super::HOUR_MS;
    use super::*;

    fn stay(user: u64, start_ms: i64, end_ms: i64) -> VoiceStay {
        VoiceStay {
            user,
            channel: 1,
            start_ms,
            end_ms,
        }
    }

    /// The table's hours summed per (member, hour), as the cut pieces would give them.
    fn pieces_by_hour(stays: &[VoiceStay], tz: Tz) -> Vec<(u64, i32, i64)> {
        let mut sums = std::collections::BTreeMap::<(u64, i32), i64>::new();
        for piece in split_hours(stays, tz) {
            *sums.entry((piece.user, piece.local_hour)).or_default() += i64::from(piece.ms);
        }
        sums.into_iter().map(|((u, h), ms)| (u, h, ms)).collect()
    }

    fn table_by_hour(view: &HourView<'_>) -> Vec<(u64, i32, i64)> {
        let mut rows: Vec<(u64, i32, i64)> = Vec::new();
        for member in &view.members {
            for total in member.hours() {
                rows.push((member.user, total.local_hour, i64::from(total.ms)));
            }
        }
        rows.sort_unstable();
        rows
    }

    #[test]
    fn stays_added_in_any_order_give_the_cut_pieces_summed_per_hour() {
        let tz: Tz = "Asia/Kolkata".parse().expect("a zone");
        let base = 19_723 * DAY_MS;
        let stays = vec![
            stay(1, base + 30 * 60_000, base + 3 * HOUR_MS),
            stay(2, base + HOUR_MS, base + HOUR_MS + 5 * 60_000),
            stay(1, base + 5 * HOUR_MS, base + 6 * HOUR_MS + 1),
            // Out of order, inside hours the table already holds.
            stay(1, base, base + 10 * 60_000),
            stay(2, base - 2 * DAY_MS, base - 2 * DAY_MS + HOUR_MS),
        ];
        let mut table = HourTable::new(tz);
        for one in &stays {
            table.add(std::slice::from_ref(one));
        }
        let view = table.view(i64::MIN, |_| true);
        assert_eq!(table_by_hour(&view), pieces_by_hour(&stays, tz));
        for member in &view.members {
            assert!(
                member
                    .closed
                    .windows(2)
                    .all(|w| w[0].local_hour < w[1].local_hour),
                "ordered and distinct"
            );
        }
        assert_eq!(view.members[0].last_seen_ms, base + 6 * HOUR_MS + 1);
    }

    #[test]
    fn open_stays_are_replaced_whole_and_a_view_starts_at_a_local_midnight() {
        let base = 19_723 * DAY_MS;
        let mut table = HourTable::from_stays(&[stay(1, base - HOUR_MS, base + HOUR_MS)], Tz::UTC);
        table.set_open(&[stay(2, base, base + 30 * 60_000)]);
        table.set_open(&[stay(2, base, base + 90 * 60_000)]);
        let all = table.view(i64::MIN, |_| true);
        assert_eq!(
            table_by_hour(&all),
            [
                (1, 19_723 * 24 - 1, HOUR_MS),
                (1, 19_723 * 24, HOUR_MS),
                (2, 19_723 * 24, HOUR_MS),
                (2, 19_723 * 24 + 1, 30 * 60_000),
            ]
        );
        let today = table.view(19_723, |user| user != 2);
        assert_eq!(table_by_hour(&today), [(1, 19_723 * 24, HOUR_MS)]);
        assert_eq!(today.day_range(), Some((19_723, 19_723)));
        table.set_open(&[]);
        assert_eq!(
            table.len(),
            2,
            "the open stay is gone once it is no longer open"
        );
        assert!(table.view(19_724, |_| true).is_empty());
    }
}
