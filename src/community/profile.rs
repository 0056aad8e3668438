//! A member's profile for /me and /user: their activity over a period and the members they
//! spent the most voice time with (the overlap of stays in the same channel, AFK excluded).

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::ids::{GuildId, UserId};
use crate::domain::voice::{time_together, Stay};
use crate::store::activity::MemberActivity;
use crate::store::{Store, StoreError};

/// How many voice companions a profile lists.
const COMPANIONS: usize = 3;

/// What /me and /user show of a member.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Messages, voice time, top channels and emojis.
    pub activity: MemberActivity,
    /// The members they spent the most voice time with, most first.
    pub companions: Vec<(UserId, TimeDelta)>,
}

/// Reads `user`'s profile in `guild` over `[since, now)`: stays still open count up to `now`,
/// and stays that began earlier count from `since`. Members in `hidden` are never listed as
/// companions.
///
/// # Errors
/// When the store fails.
pub async fn profile(
    store: &dyn Store,
    guild: GuildId,
    user: UserId,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    hidden: &[UserId],
) -> Result<Profile, StoreError> {
    let activity = store.member_activity(guild, user, since, now).await?;
    let sessions = store.voice_sessions(guild, None, since, now).await?;
    let stays: Vec<Stay> = sessions
        .iter()
        .filter(|session| !session.afk)
        .map(|session| Stay {
            user_id: session.user_id,
            channel_id: session.channel_id,
            from: session.joined_at.max(since),
            to: session.left_at.unwrap_or(now).min(now),
        })
        .collect();
    let companions = time_together(user, &stays)
        .into_iter()
        .filter(|(companion, _)| !hidden.contains(companion))
        .take(COMPANIONS)
        .collect();
    Ok(Profile {
        activity,
        companions,
    })
}
