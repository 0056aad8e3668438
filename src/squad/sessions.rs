//! Ending game sessions and summing them up: by /session end, or when a session has been idle
//! for the guild's limit (checked by a background sweep).

use chrono::{DateTime, Utc};

use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::session_summary::{summarize, SessionSummary};
use crate::store::{GameSession, SessionEnd, Store, StoreError};

/// A session that just ended, with its summary.
#[derive(Clone, Debug)]
pub struct EndedSession {
    /// The session as stored after it ended.
    pub session: GameSession,
    /// Its summary.
    pub summary: SessionSummary,
    /// The squad's previous session of the same game, compared in the summary.
    pub previous: Option<GameSession>,
}

/// Ends the session running in `channel` at `at`; `None` when none runs there.
///
/// # Errors
/// When the store fails.
pub async fn end(
    store: &dyn Store,
    guild: GuildId,
    channel: ChannelId,
    by: Option<UserId>,
    at: DateTime<Utc>,
    reason: SessionEnd,
) -> Result<Option<EndedSession>, StoreError> {
    let Some(session) = store.end_session(guild, channel, by, at, reason).await? else {
        return Ok(None);
    };
    Ok(Some(summary_of(store, session).await?))
}

/// The summary of an ended session (or of a running one, up to `session.ended_at` or now).
///
/// # Errors
/// When the store fails.
pub async fn summary_of(
    store: &dyn Store,
    session: GameSession,
) -> Result<EndedSession, StoreError> {
    let entries = store.session_entries(session.guild_id, session.id).await?;
    let previous = store.previous_session(session.guild_id, &session).await?;
    let previous_entries = match &previous {
        Some(previous) => Some(
            store
                .session_entries(previous.guild_id, previous.id)
                .await?,
        ),
        None => None,
    };
    let ended_at = session.ended_at.unwrap_or_else(Utc::now);
    let summary = summarize(
        session.started_at,
        ended_at,
        &entries,
        previous_entries.as_deref(),
    );
    Ok(EndedSession {
        session,
        summary,
        previous,
    })
}

/// Ends every session idle for longer than its guild allows, as of `now`. A session ends at its
/// last activity, so the quiet hours are not counted as play. Each ended session is returned once,
/// even when several processes sweep the same database.
///
/// # Errors
/// When the store fails before anything was ended; a failure on one session is logged and the
/// sweep goes on with the others.
pub async fn end_idle(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Vec<EndedSession>, StoreError> {
    let mut ended = Vec::new();
    for idle in store.idle_sessions(now).await? {
        let outcome = end(
            store,
            idle.guild_id,
            idle.channel_id,
            None,
            idle.last_activity_at,
            SessionEnd::Idle,
        )
        .await;
        match outcome {
            Ok(Some(session)) => ended.push(session),
            Ok(None) => {}
            Err(error) => tracing::warn!(
                guild = %idle.guild_id,
                session = idle.id,
                %error,
                "could not end an idle session; trying again at the next sweep"
            ),
        }
    }
    Ok(ended)
}
