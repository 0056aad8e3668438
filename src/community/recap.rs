//! The weekly recap as a service: which servers' recaps are due, and a week's numbers beside the
//! week before. Counts come from the hourly rollups and the indexed kill ledger and joins
//! (`RecapStore::recap_counts`); time in voice and the strongest duo from the week's voice stays
//! alone, clamped to the week. Members who hide from lists are never named.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

use crate::charts::messages::Messages;
use crate::domain::coplay::pair_overlaps;
use crate::domain::ids::{GuildId, UserId};
use crate::domain::recap::{RecapTime, Week, WeekNumbers, TOP};
use crate::store::recap::RecapSettings;
use crate::store::{Store, StoreError};

/// A recap to make now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The server.
    pub guild: GuildId,
    /// Its setting.
    pub settings: RecapSettings,
    /// The week it covers.
    pub week: Week,
    /// The server's clock.
    pub tz: Tz,
}

/// The server's time zone (set with /schedule setup or /recap setup), UTC when unset.
///
/// # Errors
/// When the store fails.
pub async fn server_zone(store: &dyn Store, guild: GuildId) -> Result<Tz, StoreError> {
    Ok(store
        .settings(guild)
        .await?
        .default_timezone
        .and_then(|zone| zone.parse().ok())
        .unwrap_or(Tz::UTC))
}

/// The recaps due at `now`, in every server with one.
///
/// # Errors
/// When the store fails.
pub async fn due(store: &dyn Store, now: DateTime<Utc>) -> Result<Vec<Due>, StoreError> {
    let mut due = Vec::new();
    for (guild, settings) in store.recaps().await? {
        let tz = server_zone(store, guild).await?;
        let time = RecapTime {
            weekday: settings.weekday,
            hour: settings.hour,
            tz,
        };
        if let Some(week) = time.due(now, settings.set_up_at) {
            due.push(Due {
                guild,
                settings,
                week,
                tz,
            });
        }
    }
    Ok(due)
}

/// The numbers of `[from, to)` on the server's clock `tz`, naming none of `hidden`.
///
/// # Errors
/// When the store fails.
pub async fn numbers(
    store: &dyn Store,
    guild: GuildId,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    tz: Tz,
    hidden: &[UserId],
) -> Result<WeekNumbers, StoreError> {
    let limit = u32::try_from(TOP + hidden.len()).unwrap_or(u32::MAX);
    let (counts, week_stays) = tokio::try_join!(
        store.recap_counts(guild, (from, to), limit),
        store.recap_stays(guild, (from, to)),
    )?;
    let shown = |top: Vec<(UserId, u64)>| -> Vec<(UserId, u64)> {
        top.into_iter()
            .filter(|(user, _)| !hidden.contains(user))
            .take(TOP)
            .collect()
    };
    let mut hours = [0_u64; 24];
    let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let (first, last) = (
        from.with_timezone(&tz).date_naive(),
        (to - TimeDelta::milliseconds(1))
            .with_timezone(&tz)
            .date_naive(),
    );
    for day in first.iter_days().take_while(|day| *day <= last) {
        days.insert(day, 0);
    }
    for (hour, messages) in &counts.message_hours {
        let local = hour.with_timezone(&tz);
        hours[local.hour() as usize] += messages;
        *days.entry(local.date_naive()).or_default() += messages;
    }
    let mut voice: HashMap<u64, i64> = HashMap::new();
    for stay in &week_stays {
        *voice.entry(stay.user).or_default() += stay.duration_ms();
    }
    let voice_ms = voice.values().sum();
    let mut top_voice: Vec<(UserId, i64)> = voice
        .into_iter()
        .map(|(user, ms)| (UserId(user), ms))
        .filter(|(user, _)| user.0 != 0 && !hidden.contains(user))
        .collect();
    top_voice.sort_by_key(|(user, ms)| (std::cmp::Reverse(*ms), user.0));
    top_voice.truncate(TOP);
    // A large server's week is thousands of stays: swept off the async runtime.
    let pairs = tokio::task::spawn_blocking(move || pair_overlaps(&week_stays))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, guild = %guild, "the recap's duo could not be found");
            Vec::new()
        });
    let duo = pairs
        .into_iter()
        .filter(|pair| {
            let (low, high) = (UserId(pair.pair.low()), UserId(pair.pair.high()));
            low.0 != 0 && !hidden.contains(&low) && !hidden.contains(&high)
        })
        .max_by_key(|pair| (pair.overlap_ms, std::cmp::Reverse(pair.pair)))
        .map(|pair| {
            (
                UserId(pair.pair.low()),
                UserId(pair.pair.high()),
                i64::try_from(pair.overlap_ms).unwrap_or(i64::MAX),
            )
        });
    Ok(WeekNumbers {
        kills: counts.kills,
        top_killers: shown(counts.top_killers),
        messages: counts.messages,
        top_posters: shown(counts.top_posters),
        voice_ms,
        top_voice,
        hours,
        days: days.into_iter().collect(),
        duo,
        new_members: counts.new_members,
        returning_members: counts.returning_members,
        unlocks: counts.unlocks,
    })
}

/// The week's messages per day as the messages chart draws them (no channels: the store keeps
/// no names); `None` when nothing was posted.
#[must_use]
pub fn messages_chart(week: &WeekNumbers, title: &str) -> Option<Messages> {
    (week.messages > 0).then(|| Messages {
        title: format!("Messages — {title}"),
        days: week
            .days
            .iter()
            .map(|(day, _)| day.format("%a %b %-d").to_string())
            .collect(),
        per_day: week.days.iter().map(|(_, count)| *count).collect(),
        channels: Vec::new(),
    })
}

/// The numbers of `week` and of the week before it.
///
/// # Errors
/// When the store fails.
pub async fn week_and_before(
    store: &dyn Store,
    guild: GuildId,
    week: &Week,
    tz: Tz,
) -> Result<(WeekNumbers, WeekNumbers), StoreError> {
    let hidden = store.hidden_members(guild).await?;
    // The two weeks read separate rows: both at once, on two connections.
    tokio::try_join!(
        numbers(store, guild, (week.start, week.end), tz, &hidden),
        numbers(store, guild, (week.previous_start, week.start), tz, &hidden),
    )
}
