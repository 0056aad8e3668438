//! Who appears at which hour of a daily post, and why: today's reactions, a weekly schedule, or
//! being seen in voice.

use chrono_tz::Tz;

use super::plan::Slot;
use super::weekly::WeeklySchedule;

/// A set of hour indexes of one daily post (0 to 31; a window has at most 20).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SlotSet(u32);

impl SlotSet {
    /// No hour.
    pub const EMPTY: Self = Self(0);

    /// Adds hour `index`; an index past 31 is ignored, as no window has one.
    pub fn insert(&mut self, index: usize) {
        if index < 32 {
            self.0 |= 1 << index;
        }
    }

    /// Whether hour `index` is in the set.
    #[must_use]
    pub const fn contains(self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }

    /// Whether the set has no hour.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The hours in either set.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The indexes in the set, in order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..32).filter(move |&index| self.contains(index))
    }
}

impl FromIterator<usize> for SlotSet {
    fn from_iter<I: IntoIterator<Item = usize>>(indexes: I) -> Self {
        let mut set = Self::EMPTY;
        for index in indexes {
            set.insert(index);
        }
        set
    }
}

/// Why a member is listed at an hour. Listed by how sure it is that they play: seen in voice,
/// then said so today, then their usual week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// They were in voice during the hour.
    Voice,
    /// They reacted to today's post with the hour's letter.
    Reaction,
    /// Their weekly schedule has the hour.
    Schedule,
}

/// The hours of a posting day a member's weekly schedule covers, each hour checked at its start
/// on the member's own clock `tz`.
#[must_use]
pub fn scheduled_slots(schedule: &WeeklySchedule, tz: Tz, slots: &[Slot]) -> SlotSet {
    slots
        .iter()
        .filter(|slot| schedule.covers(tz, slot.starts_at))
        .map(|slot| slot.index)
        .collect()
}

/// Where one member appears on a daily post, and why, hour by hour in order.
///
/// - `reactions`: the hours they reacted to on today's post, `None` until they react at all.
/// - `not_today`: they reacted ❌.
/// - `scheduled`: the hours their weekly schedule covers today.
/// - `voice`: the hours they were seen in voice.
///
/// Reacting to today's post replaces the weekly schedule for the day: removing every letter
/// again leaves them nowhere rather than falling back on the schedule. ❌ hides them everywhere,
/// except where they were really in voice. Voice is listed as such wherever it applies, since it
/// is the surest.
#[must_use]
pub fn member_slots(
    reactions: Option<SlotSet>,
    not_today: bool,
    scheduled: SlotSet,
    voice: SlotSet,
) -> Vec<(usize, Source)> {
    let (said, source) = match reactions {
        _ if not_today => (SlotSet::EMPTY, Source::Reaction),
        Some(reacted) => (reacted, Source::Reaction),
        None => (scheduled, Source::Schedule),
    };
    said.union(voice)
        .iter()
        .map(|index| {
            if voice.contains(index) {
                (index, Source::Voice)
            } else {
                (index, source)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Weekday};

    use super::*;
    use crate::domain::schedule::{HourWindow, PostPlan, PostTime, Weekdays};

    fn set(indexes: &[usize]) -> SlotSet {
        indexes.iter().copied().collect()
    }

    #[test]
    fn without_reactions_a_member_appears_at_their_scheduled_hours() {
        assert_eq!(
            member_slots(None, false, set(&[2, 3]), SlotSet::EMPTY),
            [(2, Source::Schedule), (3, Source::Schedule)]
        );
    }

    #[test]
    fn reacting_replaces_the_schedule_for_the_day() {
        assert_eq!(
            member_slots(Some(set(&[5])), false, set(&[2, 3]), SlotSet::EMPTY),
            [(5, Source::Reaction)]
        );
        assert!(
            member_slots(Some(SlotSet::EMPTY), false, set(&[2, 3]), SlotSet::EMPTY).is_empty(),
            "removing every letter does not bring the schedule back"
        );
    }

    #[test]
    fn not_today_hides_a_member_except_where_they_were_in_voice() {
        assert!(member_slots(Some(set(&[1, 2])), true, set(&[2, 3]), SlotSet::EMPTY).is_empty());
        assert_eq!(
            member_slots(None, true, set(&[2, 3]), set(&[4])),
            [(4, Source::Voice)]
        );
    }

    #[test]
    fn voice_adds_hours_and_outranks_what_was_said() {
        assert_eq!(
            member_slots(Some(set(&[1, 2])), false, SlotSet::EMPTY, set(&[2, 6])),
            [
                (1, Source::Reaction),
                (2, Source::Voice),
                (6, Source::Voice)
            ]
        );
        assert_eq!(
            member_slots(None, false, set(&[0, 19]), set(&[0])),
            [(0, Source::Voice), (19, Source::Schedule)]
        );
    }

    #[test]
    fn slot_sets_ignore_indexes_no_window_has() {
        let mut slots = set(&[0, 19, 31]);
        slots.insert(32);
        slots.insert(usize::MAX);
        assert_eq!(slots.iter().collect::<Vec<_>>(), [0, 19, 31]);
        assert!(!slots.contains(40));
        assert!(SlotSet::EMPTY.is_empty());
    }

    #[test]
    fn a_new_york_schedule_lands_on_the_paris_hours_it_covers() {
        // Ada in New York plays Mondays 15:00 to 17:00 her time: 21:00 to 23:00 in Paris.
        let mut schedule = WeeklySchedule::new();
        schedule.set_day(Weekday::Mon, [15, 16]).expect("valid");
        let paris = PostPlan {
            tz: Tz::Europe__Paris,
            time: PostTime::new(12, 0).expect("valid"),
            weekdays: Weekdays::ALL,
            window: HourWindow::from_start_end(18, 2).expect("valid"),
        };
        let monday = NaiveDate::from_ymd_opt(2026, 7, 6).expect("valid");
        let slots = paris.slots(monday);
        let hours = scheduled_slots(&schedule, Tz::America__New_York, &slots);
        assert_eq!(hours.iter().collect::<Vec<_>>(), [3, 4]);
        assert_eq!(slots[3].local_hour, 21);
    }
}
