//! Achievements as a service: reads what a member has done, compares it with the server's
//! milestones, and records the badges won and lost. Announcing them and granting roles is the
//! Discord side's work (`discord/achievements.rs`), done with what this returns.
//!
//! Each check reads the member's measures again from the ledger (folded by the database into one
//! row) or the voice ledger, so a badge always follows the data: an /untrack that takes a member back under a milestone takes
//! the badge back. The store's unique key makes every unlock happen once, however many checks
//! race.

use chrono::{DateTime, Utc};

use crate::domain::achievements::{built_in, judge, weeks_in_a_row, Measure, Milestone, Progress};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::voice_time::calendar::{week_number, DAY_MS};
use crate::store::achievements::AchievementSettings;
use crate::store::{Store, StoreError};

/// How many milestones of its own a server may add.
pub const CUSTOM_LIMIT: u32 = 25;

/// Badges won and lost by one member in one check.
#[derive(Clone, Debug)]
pub struct Changes {
    /// The guild.
    pub guild_id: GuildId,
    /// The member.
    pub user_id: UserId,
    /// Badges won now, announced once.
    pub unlocked: Vec<Milestone>,
    /// Badges taken back (an entry was undone).
    pub revoked: Vec<Milestone>,
    /// Where to announce and which roles to grant.
    pub settings: AchievementSettings,
}

impl Changes {
    fn none(guild_id: GuildId, user_id: UserId, settings: AchievementSettings) -> Self {
        Self {
            guild_id,
            user_id,
            unlocked: Vec::new(),
            revoked: Vec::new(),
            settings,
        }
    }

    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.unlocked.is_empty() && self.revoked.is_empty()
    }
}

/// The server's milestones in effect: the built-in ones (shame badges only when on) and its own,
/// with its settings; none when the server turned achievements off.
///
/// # Errors
/// When the store fails.
pub async fn milestones(
    store: &dyn Store,
    guild: GuildId,
) -> Result<(Vec<Milestone>, AchievementSettings), StoreError> {
    let settings = store.achievement_settings(guild).await?;
    if !settings.enabled {
        return Ok((Vec::new(), settings));
    }
    let mut all = built_in();
    all.extend(store.custom_milestones(guild).await?);
    all.retain(|milestone| settings.shame_badges || !milestone.measure.is_shame());
    Ok((all, settings))
}

/// Checks `player`'s kill milestones against their ledger (after a /track, an /untrack or a
/// session's end) and records what changed.
///
/// # Errors
/// When the store fails; badges recorded before the failure stay.
pub async fn check_ledger(
    store: &dyn Store,
    guild: GuildId,
    player: UserId,
    at: DateTime<Utc>,
) -> Result<Changes, StoreError> {
    let (all, settings) = milestones(store, guild).await?;
    if all.is_empty() {
        return Ok(Changes::none(guild, player, settings));
    }
    let progress = store.ledger_progress(guild, player).await?;
    let read: Vec<Measure> = Measure::ALL
        .into_iter()
        .filter(|measure| measure.from_ledger())
        .collect();
    apply(store, (all, settings), guild, player, &read, &progress, at).await
}

/// Checks `user`'s voice milestones (hours in voice, weeks in a row) against the voice ledger
/// (when a stay closes, and once a day for the weeks) and records what changed.
///
/// # Errors
/// When the store fails; badges recorded before the failure stay.
pub async fn check_voice(
    store: &dyn Store,
    guild: GuildId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Changes, StoreError> {
    let (all, settings) = milestones(store, guild).await?;
    if all.is_empty() {
        return Ok(Changes::none(guild, user, settings));
    }
    let stays = store
        .voice_sessions(guild, Some(user), DateTime::UNIX_EPOCH, now)
        .await?;
    let mut seconds = 0_i64;
    let mut weeks: Vec<i64> = Vec::new();
    for stay in &stays {
        let Some(left) = stay.left_at else { continue };
        seconds += (left - stay.joined_at).num_seconds().max(0);
        weeks.push(week_of(stay.joined_at));
        weeks.push(week_of(left));
    }
    weeks.sort_unstable();
    weeks.dedup();
    let progress = Progress {
        voice_hours: u64::try_from(seconds / 3_600).unwrap_or(0),
        voice_weeks: weeks_in_a_row(&weeks, week_of(now)),
        ..Progress::default()
    };
    apply(
        store,
        (all, settings),
        guild,
        user,
        &[Measure::VoiceHours, Measure::VoiceWeeks],
        &progress,
        now,
    )
    .await
}

/// The Monday-to-Sunday week (UTC) `at` falls in.
fn week_of(at: DateTime<Utc>) -> i64 {
    week_number(at.timestamp_millis().div_euclid(DAY_MS))
}

async fn apply(
    store: &dyn Store,
    (all, settings): (Vec<Milestone>, AchievementSettings),
    guild: GuildId,
    user: UserId,
    read: &[Measure],
    progress: &Progress,
    at: DateTime<Utc>,
) -> Result<Changes, StoreError> {
    let held: Vec<String> = store
        .unlocks(guild, user)
        .await?
        .into_iter()
        .map(|unlock| unlock.milestone)
        .collect();
    let verdict = judge(&all, read, progress, &held);
    let mut changes = Changes::none(guild, user, settings);
    for milestone in verdict.unlock {
        // Only the check whose insert won announces: 50 racing /track unlock it once.
        if store.unlock(guild, user, &milestone.key, at).await? {
            changes.unlocked.push(milestone.clone());
        }
    }
    for milestone in verdict.revoke {
        if store.revoke(guild, user, &milestone.key).await? {
            changes.revoked.push(milestone.clone());
        }
    }
    Ok(changes)
}

/// The badges `user` holds, with their milestones (a removed milestone's badge is gone).
///
/// # Errors
/// When the store fails.
pub async fn badges(
    store: &dyn Store,
    guild: GuildId,
    user: UserId,
) -> Result<Vec<(Milestone, DateTime<Utc>)>, StoreError> {
    let (all, _) = milestones(store, guild).await?;
    Ok(store
        .unlocks(guild, user)
        .await?
        .into_iter()
        .filter_map(|unlock| {
            all.iter()
                .find(|milestone| milestone.key == unlock.milestone)
                .map(|milestone| (milestone.clone(), unlock.unlocked_at))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let day = |d| {
            Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0)
                .single()
                .expect("valid")
        };
        // 2026-11-30 is a Monday.
        assert_eq!(week_of(day(29)) + 1, week_of(day(30)));
        assert_eq!(
            week_of(day(30)),
            week_of(
                Utc.with_ymd_and_hms(2026, 12, 6, 23, 0, 0)
                    .single()
                    .expect("valid")
            )
        );
        assert_eq!(
            week_of(
                Utc.with_ymd_and_hms(1970, 1, 5, 0, 0, 0)
                    .single()
                    .expect("valid")
            ),
            1
        );
    }
}
