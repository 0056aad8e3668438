//! Messages as the charts show them, from hourly rollup rows: per local day, per channel and per
//! member and day.
//!
//! Rollups are kept per UTC hour. Where the server's clock is a whole number of hours from UTC a
//! UTC hour is a local hour and days are exact. Where it is not (Asia/Kolkata, UTC+05:30), one
//! rollup hour straddles two local hours, and at midnight two local days; such a row is counted
//! on the local day holding the middle of its hour, which is where most of the hour lies (or
//! half of it, for a 30-minute offset).

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::calendar::date;
use super::clock::LocalClock;
use super::members::{MemberIndex, MemberMap};

/// How many channels the chart shows.
pub const CHART_CHANNELS: usize = 10;

/// The middle of a rollup hour, from its start.
const HALF_HOUR_MS: i64 = 1_800_000;

/// Messages one member sent in one channel in one UTC hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageHour {
    /// The start of the UTC hour (unix ms).
    pub hour_start_ms: i64,
    /// Where.
    pub channel: u64,
    /// Who.
    pub user: u64,
    /// How many messages.
    pub messages: u64,
}

/// The community's messages on one local day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayMessages {
    /// The local day.
    pub day: NaiveDate,
    /// Messages sent that day.
    pub messages: u64,
}

/// The messages sent in one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelMessages {
    /// Which channel.
    pub channel: u64,
    /// Messages sent in it.
    pub messages: u64,
}

/// The messages one member sent on one local day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberDayMessages {
    /// Who.
    pub user: u64,
    /// The local day.
    pub day: NaiveDate,
    /// Messages sent that day.
    pub messages: u64,
}

/// The local day (days since 1970-01-01) each row is counted on, given a clock covering them.
fn row_day(clock: &LocalClock, row: &MessageHour) -> i64 {
    clock.local_day(row.hour_start_ms + HALF_HOUR_MS)
}

/// The clock of `tz` over the rows' hours.
fn clock_for(rows: &[MessageHour], tz: Tz) -> LocalClock {
    let from = rows.iter().map(|r| r.hour_start_ms).min().unwrap_or(0);
    let to = rows.iter().map(|r| r.hour_start_ms).max().unwrap_or(0);
    LocalClock::new(tz, from + HALF_HOUR_MS, to + HALF_HOUR_MS)
}

/// Messages per local day, for the days with at least one message, oldest first.
#[must_use]
pub fn messages_per_day(rows: &[MessageHour], tz: Tz) -> Vec<DayMessages> {
    let clock = clock_for(rows, tz);
    let mut days: Vec<(i64, u64)> = rows
        .iter()
        .filter(|row| row.messages > 0)
        .map(|row| (row_day(&clock, row), row.messages))
        .collect();
    days.sort_unstable_by_key(|&(day, _)| day);
    let mut out: Vec<DayMessages> = Vec::new();
    let mut current: Option<(i64, u64)> = None;
    for (day, messages) in days {
        match &mut current {
            Some((open, sum)) if *open == day => *sum += messages,
            _ => {
                if let Some((open, sum)) = current {
                    out.push(DayMessages {
                        day: date(open),
                        messages: sum,
                    });
                }
                current = Some((day, messages));
            }
        }
    }
    if let Some((open, sum)) = current {
        out.push(DayMessages {
            day: date(open),
            messages: sum,
        });
    }
    out
}

/// The `top` channels by messages, most first, ties by channel id.
#[must_use]
pub fn top_channels(rows: &[MessageHour], top: usize) -> Vec<ChannelMessages> {
    let mut totals: MemberMap<u64> = MemberMap::default();
    for row in rows.iter().filter(|row| row.messages > 0) {
        *totals.entry(row.channel).or_default() += row.messages;
    }
    rank_channels(
        totals
            .into_iter()
            .map(|(channel, messages)| ChannelMessages { channel, messages })
            .collect(),
        top,
    )
}

/// The `top` of `channels` by messages, most first, ties by channel id; channels without
/// messages are left out.
#[must_use]
pub fn rank_channels(mut channels: Vec<ChannelMessages>, top: usize) -> Vec<ChannelMessages> {
    channels.retain(|channel| channel.messages > 0);
    channels.sort_unstable_by(|a, b| b.messages.cmp(&a.messages).then(a.channel.cmp(&b.channel)));
    channels.truncate(top);
    channels
}

/// Messages per member per local day, for the member-days with at least one message, by
/// member id then day.
#[must_use]
pub fn member_days(rows: &[MessageHour], tz: Tz) -> Vec<MemberDayMessages> {
    let clock = clock_for(rows, tz);
    let mut members = MemberIndex::default();
    // Keyed by member row (high half) and day (low half, offset so it is never negative).
    let mut sums: MemberMap<u64> = MemberMap::default();
    for row in rows.iter().filter(|row| row.messages > 0) {
        let member = members.row(row.user) as u64;
        let day = u64::from(u32::try_from(row_day(&clock, row) + (1 << 31)).unwrap_or(0));
        *sums.entry(member << 32 | day).or_default() += row.messages;
    }
    let mut out: Vec<MemberDayMessages> = sums
        .into_iter()
        .map(|(key, messages)| {
            let member = usize::try_from(key >> 32).unwrap_or(0);
            let day = i64::try_from(key & 0xFFFF_FFFF).unwrap_or(0) - (1 << 31);
            MemberDayMessages {
                user: members.id(member),
                day: date(day),
                messages,
            }
        })
        .collect();
    out.sort_unstable_by_key(|m| (m.user, m.day));
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};

    use super::*;

    const ADA: u64 = 1;
    const BOB: u64 = 2;
    const GENERAL: u64 = 100;
    const CLIPS: u64 = 200;

    fn hour(day: u32, hour: u32) -> i64 {
        Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0)
            .single()
            .expect("valid")
            .timestamp_millis()
    }

    fn row(hour_start_ms: i64, channel: u64, user: u64, messages: u64) -> MessageHour {
        MessageHour {
            hour_start_ms,
            channel,
            user,
            messages,
        }
    }

    fn may(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, day).expect("valid")
    }

    #[test]
    fn ada_and_bob_chatting_across_midnight_utc() {
        let rows = [
            row(hour(1, 22), GENERAL, ADA, 5),
            row(hour(1, 23), CLIPS, BOB, 3),
            row(hour(2, 0), GENERAL, ADA, 2),
            row(hour(2, 0), GENERAL, BOB, 0),
        ];
        assert_eq!(
            messages_per_day(&rows, Tz::UTC),
            [
                DayMessages {
                    day: may(1),
                    messages: 8
                },
                DayMessages {
                    day: may(2),
                    messages: 2
                },
            ]
        );
        assert_eq!(
            member_days(&rows, Tz::UTC),
            [
                MemberDayMessages {
                    user: ADA,
                    day: may(1),
                    messages: 5
                },
                MemberDayMessages {
                    user: ADA,
                    day: may(2),
                    messages: 2
                },
                MemberDayMessages {
                    user: BOB,
                    day: may(1),
                    messages: 3
                },
            ]
        );
        assert_eq!(
            top_channels(&rows, 10),
            [
                ChannelMessages {
                    channel: GENERAL,
                    messages: 7
                },
                ChannelMessages {
                    channel: CLIPS,
                    messages: 3
                },
            ]
        );
        assert_eq!(top_channels(&rows, 1).len(), 1);
    }

    #[test]
    fn in_paris_late_evening_utc_is_already_tomorrow() {
        // 22:00 UTC on 1 May is midnight in Paris (UTC+2).
        let rows = [
            row(hour(1, 21), GENERAL, ADA, 4),
            row(hour(1, 22), GENERAL, ADA, 1),
        ];
        let days = messages_per_day(&rows, Tz::Europe__Paris);
        assert_eq!(
            days,
            [
                DayMessages {
                    day: may(1),
                    messages: 4
                },
                DayMessages {
                    day: may(2),
                    messages: 1
                },
            ]
        );
    }

    #[test]
    fn in_kolkata_the_hour_across_midnight_counts_on_the_day_of_its_middle() {
        // 18:00-19:00 UTC is 23:30-00:30 in Kolkata: its middle is midnight, the new day.
        // 17:00-18:00 UTC is 22:30-23:30: the old day.
        let rows = [
            row(hour(1, 17), GENERAL, ADA, 1),
            row(hour(1, 18), GENERAL, ADA, 1),
        ];
        let days = messages_per_day(&rows, Tz::Asia__Kolkata);
        assert_eq!(
            days.iter().map(|d| d.day).collect::<Vec<_>>(),
            [may(1), may(2)]
        );
    }

    #[test]
    fn channels_with_equal_counts_rank_by_id() {
        let rows = [
            row(hour(1, 1), CLIPS, ADA, 2),
            row(hour(1, 1), GENERAL, BOB, 2),
        ];
        let ranked: Vec<u64> = top_channels(&rows, 10).iter().map(|c| c.channel).collect();
        assert_eq!(ranked, [GENERAL, CLIPS]);
        assert!(messages_per_day(&[], Tz::UTC).is_empty());
        assert!(member_days(&[], Tz::UTC).is_empty());
    }
}
