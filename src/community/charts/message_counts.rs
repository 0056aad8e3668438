//! The message counts the messages chart reads, kept per guild between draws.
//!
//! A year of a busy server is close to a million channel-hours in the rollup, and summing them
//! in the database for every draw takes a noticeable fraction of a second. The counts of an
//! hour that is over no longer change, except when a flush writes an older hour late (after a
//! database outage, say), which the ingest notes ([`WrittenHours`]). So the first draw reads a
//! guild's whole rollup, and each later draw reads again only from the current hour, or from
//! the oldest hour a flush wrote since, whichever is older.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::ids::GuildId;
use crate::domain::voice_time::clock::local_day;
use crate::domain::voice_time::messages::{rank_channels, ChannelMessages, MessageHour};
use crate::domain::voice_time::HOUR_MS;
use crate::ingest::WrittenHours;
use crate::store::charts::ChannelHour;
use crate::store::{Store, StoreError};

/// Messages in one UTC hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HourCount {
    /// Hours since 1970-01-01 00:00 UTC.
    hour: i32,
    messages: u32,
}

/// One guild's message counts as last read.
#[derive(Debug, Default)]
pub(super) struct GuildMessages {
    /// Per channel, its hours with messages, ascending.
    channels: HashMap<u64, Vec<HourCount>>,
    /// Every channel's messages per hour, ascending.
    totals: Vec<HourCount>,
    /// The hour (unix ms) from which the next read reads again; `None` before the first.
    fresh_from: Option<i64>,
}

impl GuildMessages {
    /// Brings the counts up to date with the store as of `now`.
    pub(super) async fn read(
        &mut self,
        store: &dyn Store,
        guild: GuildId,
        now: DateTime<Utc>,
        written: &WrittenHours,
    ) -> Result<(), StoreError> {
        // Taken before reading: a flush noted after this is read now or at the next draw.
        let late = written.take(guild).map(|hour| hour.timestamp_millis());
        let from_ms = match (self.fresh_from, late) {
            (None, _) => 0,
            (Some(fresh), Some(late)) => fresh.min(late),
            (Some(fresh), None) => fresh,
        };
        let since = DateTime::from_timestamp_millis(from_ms).unwrap_or(DateTime::UNIX_EPOCH);
        let rows = match store.channel_hours(guild, since).await {
            Ok(rows) => rows,
            Err(error) => {
                // Read it all again next time rather than miss what the late flush wrote.
                if late.is_some() {
                    *self = Self::default();
                }
                return Err(error);
            }
        };
        self.replace_from(hour_number(from_ms), &rows);
        let now_ms = now.timestamp_millis();
        self.fresh_from = Some(now_ms - now_ms.rem_euclid(HOUR_MS));
        Ok(())
    }

    /// Drops the hours from `first` on and appends `rows` (ordered by hour), which hold them
    /// as the store has them now.
    fn replace_from(&mut self, first: i32, rows: &[ChannelHour]) {
        let keep = |hours: &mut Vec<HourCount>| {
            let cut = hours.partition_point(|count| count.hour < first);
            hours.truncate(cut);
        };
        self.channels.values_mut().for_each(keep);
        keep(&mut self.totals);
        for row in rows {
            let hour = hour_number(row.hour_ms);
            let messages = u32::try_from(row.messages).unwrap_or(u32::MAX);
            push(
                self.channels.entry(row.channel.0).or_default(),
                hour,
                messages,
            );
            push(&mut self.totals, hour, messages);
        }
    }

    /// Messages per UTC hour from local day `from_day` on (of `channel` alone when given), as
    /// rows for [`crate::domain::voice_time::messages::messages_per_day`].
    pub(super) fn hours(&self, tz: Tz, from_day: i64, channel: Option<u64>) -> Vec<MessageHour> {
        let hours = match channel {
            Some(channel) => self.channels.get(&channel).map_or(&[][..], Vec::as_slice),
            None => &self.totals,
        };
        let first = first_hour(tz, from_day);
        hours[hours.partition_point(|count| count.hour < first)..]
            .iter()
            .map(|count| MessageHour {
                hour_start_ms: i64::from(count.hour) * HOUR_MS,
                channel: channel.unwrap_or_default(),
                user: 0,
                messages: u64::from(count.messages),
            })
            .collect()
    }

    /// The `top` channels by messages from local day `from_day` on.
    pub(super) fn busiest(&self, tz: Tz, from_day: i64, top: usize) -> Vec<ChannelMessages> {
        let first = first_hour(tz, from_day);
        let channels = self
            .channels
            .iter()
            .map(|(&channel, hours)| ChannelMessages {
                channel,
                messages: hours[hours.partition_point(|count| count.hour < first)..]
                    .iter()
                    .map(|count| u64::from(count.messages))
                    .sum(),
            })
            .collect();
        rank_channels(channels, top)
    }
}

/// Adds `messages` to `hours` at `hour`, the latest hour or a new one after it.
fn push(hours: &mut Vec<HourCount>, hour: i32, messages: u32) {
    match hours.last_mut() {
        Some(last) if last.hour == hour => last.messages = last.messages.saturating_add(messages),
        _ => hours.push(HourCount { hour, messages }),
    }
}

/// The hour holding `ms`, as hours since the epoch.
fn hour_number(ms: i64) -> i32 {
    i32::try_from(ms.div_euclid(HOUR_MS)).unwrap_or(if ms < 0 { i32::MIN } else { i32::MAX })
}

/// The first UTC hour counted on local day `from_day` or later: an hour counts on the local day
/// holding its middle, as the messages chart always counted it.
fn first_hour(tz: Tz, from_day: i64) -> i32 {
    if from_day == i64::MIN {
        return i32::MIN;
    }
    let mut hour = hour_number(from_day * crate::domain::voice_time::calendar::DAY_MS) - 16;
    while local_day(tz, i64::from(hour) * HOUR_MS + HOUR_MS / 2) < from_day {
        hour += 1;
    }
    hour
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::ChannelId;

    const DAY: i64 = 19_723;

    fn row(hour: i64, channel: u64, messages: u64) -> ChannelHour {
        ChannelHour {
            hour_ms: DAY * 86_400_000 + hour * HOUR_MS,
            channel: ChannelId(channel),
            messages,
        }
    }

    #[test]
    fn hours_read_again_replace_what_was_kept_and_periods_start_at_a_local_midnight() {
        let mut kept = GuildMessages::default();
        kept.replace_from(i32::MIN, &[row(1, 7, 3), row(1, 8, 1), row(20, 7, 2)]);
        // The last hour grew and a new one came.
        kept.replace_from(
            hour_number(row(20, 0, 0).hour_ms),
            &[row(20, 7, 5), row(30, 8, 4)],
        );
        let all: Vec<(i64, u64)> = kept
            .hours(Tz::UTC, i64::MIN, None)
            .iter()
            .map(|h| ((h.hour_start_ms - DAY * 86_400_000) / HOUR_MS, h.messages))
            .collect();
        assert_eq!(all, [(1, 4), (20, 5), (30, 4)]);
        let busiest = kept.busiest(Tz::UTC, i64::MIN, 10);
        assert_eq!(
            busiest,
            [
                ChannelMessages {
                    channel: 7,
                    messages: 8
                },
                ChannelMessages {
                    channel: 8,
                    messages: 5
                }
            ]
        );
        // From the next UTC day on: hour 30 only.
        assert_eq!(
            kept.busiest(Tz::UTC, DAY + 1, 10),
            [ChannelMessages {
                channel: 8,
                messages: 4
            }]
        );
        // In Tokyo (UTC+9) hour 20 UTC is already the next local day.
        let tokyo: Tz = "Asia/Tokyo".parse().expect("a zone");
        assert_eq!(kept.hours(tokyo, DAY + 1, Some(7)).len(), 1);
        assert_eq!(kept.hours(tokyo, DAY + 1, None).len(), 2);
    }
}
