//! Erasing a member's data from everything that holds it: the store, the counts waiting to be
//! written, the leaderboards in the cache, the charts' kept voice stays and today's schedule
//! post, in the order that lets nothing gathered before the erasure come back after it.

use crate::app::App;
use crate::cache::CacheError;
use crate::domain::ids::{GuildId, UserId};
use crate::store::privacy::Erased;
use crate::store::StoreError;

/// Why an erasure did not finish.
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    /// The store failed: nothing was erased (one transaction), or, in doubt, maybe everything.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store erased everything, but the cache could not be reached to take the member off
    /// its leaderboard copies. Reads answer from the store meanwhile; erasing again finishes.
    #[error("the member's data was erased from the database, but not yet from the cache: {0}")]
    Cache(CacheError),
}

/// Erases everything recorded about `user` in `guild` (see
/// [`crate::store::PrivacyStore::erase_member`]); `by` is the manager erasing a member who left,
/// recorded in the guild's log. Erasing again is harmless and finishes an erasure the cache
/// interrupted.
///
/// # Errors
/// See [`EraseError`].
pub async fn erase(
    app: &App,
    guild: GuildId,
    user: UserId,
    by: Option<UserId>,
) -> Result<Erased, EraseError> {
    // Counts gathered before now must not be written after the erasure.
    let hold = app.ingest.hold_without(guild, user).await;
    let erased = app.store.erase_member(guild, user, by, app.now()).await?;
    drop(hold);
    app.chart_cache.forget(guild);
    if let Err(error) = app.schedules.refresh_today(guild).await {
        // The marks are gone from the store; the post shows it at its next edit.
        tracing::warn!(%error, "could not redraw today's schedule post after an erasure");
    }
    app.boards
        .remove_player(guild, user)
        .await
        .map_err(EraseError::Cache)?;
    tracing::info!(
        guild = guild.0,
        by = by.map(|actor| actor.0),
        deleted = erased.deleted,
        anonymised = erased.anonymised,
        "erased a member's data"
    );
    Ok(erased)
}
