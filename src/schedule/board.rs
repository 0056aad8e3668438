//! A day's board from what the store holds: members' marks, weekly schedules and zones, turned
//! into the post's text by the domain's rules.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::port::PostText;
use crate::domain::ids::UserId;
use crate::domain::reaction::ReactionEmoji;
use crate::domain::schedule::{
    member_slots, scheduled_slots, DailyBoard, Entry, HourWindow, PostPlan, PostTime, SlotSet,
    Weekdays, WeeklySchedule,
};
use crate::store::schedule::{DayMarks, MemberZone, ScheduleSettings, NOT_TODAY_SLOT};

/// The settings as a plan on the clock of `tz`. The schema's checks keep stored settings in
/// range; the clamps only guard against a row edited by hand.
#[must_use]
pub(super) fn plan_of(settings: &ScheduleSettings, tz: Tz) -> PostPlan {
    PostPlan {
        tz,
        time: PostTime::from_minutes(settings.post_minute % (24 * 60))
            .expect("every minute of the day is a post time"),
        weekdays: Weekdays::from_bits(settings.weekdays).unwrap_or(Weekdays::ALL),
        window: HourWindow::new(
            settings.window_start % 24,
            settings.window_hours.clamp(1, 20),
        )
        .expect("a window of 1 to 20 hours from any hour is valid"),
    }
}

/// The server's local date at `now`: the posting day it is.
#[must_use]
pub(super) fn local_date(plan: &PostPlan, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&plan.tz).date_naive()
}

/// What the board needs to know of the members, each list by member: weekly schedules, time
/// zones and rank emojis (canonical text).
pub(super) struct Members<'a> {
    pub weeks: &'a [(UserId, [u32; 7])],
    pub zones: &'a [(UserId, MemberZone)],
    pub ranks: &'a [(UserId, String)],
}

/// The post of `day` as it reads with these marks and members.
#[must_use]
pub(super) fn render(
    plan: &PostPlan,
    day: NaiveDate,
    marks: &DayMarks,
    members: &Members<'_>,
) -> PostText {
    let Members {
        weeks,
        zones,
        ranks,
    } = *members;
    let slots = plan.slots(day);
    let responders: BTreeSet<UserId> = marks.responders.iter().copied().collect();
    let mut reacted: BTreeMap<UserId, SlotSet> = BTreeMap::new();
    let mut not_today: BTreeSet<UserId> = BTreeSet::new();
    for (user, slot) in &marks.reactions {
        if *slot == NOT_TODAY_SLOT {
            not_today.insert(*user);
        } else if let Ok(index) = usize::try_from(*slot) {
            reacted.entry(*user).or_default().insert(index);
        }
    }
    let mut voice: BTreeMap<UserId, SlotSet> = BTreeMap::new();
    for (user, slot) in &marks.voice {
        if let Ok(index) = usize::try_from(*slot) {
            voice.entry(*user).or_default().insert(index);
        }
    }
    let zone_of = |user: UserId| -> Tz {
        zones
            .binary_search_by_key(&user, |(member, _)| *member)
            .ok()
            .and_then(|found| zones[found].1.timezone.parse().ok())
            .unwrap_or(plan.tz)
    };
    let mut scheduled: BTreeMap<UserId, SlotSet> = BTreeMap::new();
    for (user, masks) in weeks {
        if let Ok(week) = WeeklySchedule::from_masks(*masks) {
            let hours = scheduled_slots(&week, zone_of(*user), &slots);
            if !hours.is_empty() {
                scheduled.insert(*user, hours);
            }
        }
    }

    let rank_of = |user: UserId| -> Option<String> {
        let found = ranks
            .binary_search_by_key(&user, |(member, _)| *member)
            .ok()?;
        ReactionEmoji::from_key(&ranks[found].1).map(|emoji| emoji.display())
    };
    let members: BTreeSet<UserId> = responders
        .iter()
        .chain(reacted.keys())
        .chain(not_today.iter())
        .chain(voice.keys())
        .chain(scheduled.keys())
        .copied()
        .collect();
    let width = slots.iter().map(|slot| slot.index + 1).max().unwrap_or(0);
    let mut players: Vec<Vec<Entry>> = vec![Vec::new(); width];
    for user in members {
        let rank_emoji = rank_of(user);
        let reactions = responders
            .contains(&user)
            .then(|| reacted.get(&user).copied().unwrap_or_default());
        let placed = member_slots(
            reactions,
            not_today.contains(&user),
            scheduled.get(&user).copied().unwrap_or_default(),
            voice.get(&user).copied().unwrap_or_default(),
        );
        for (index, source) in placed {
            if let Some(line) = players.get_mut(index) {
                line.push(Entry {
                    user,
                    rank_emoji: rank_emoji.clone(),
                    source,
                });
            }
        }
    }
    let board = DailyBoard::render(day, &slots, &players);
    PostText {
        title: board.title,
        description: board.description,
    }
}
