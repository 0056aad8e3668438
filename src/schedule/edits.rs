//! Coalesced edits of the daily post: a burst of reactions makes a few edits, not one each.
//!
//! The first change to a post waits [`FIRST_DELAY`] so that the reactions clicked together land in
//! one edit; later ones wait until [`INTERVAL`] after the previous edit. Each edit renders the
//! board from the store when it runs, and a change written after that render schedules the next
//! edit, so the final text is always exact. With these figures, 100 reactions spread over ten
//! seconds make at most five edits, and the last one lands within [`INTERVAL`] of the last
//! reaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDate;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::domain::ids::GuildId;

/// How long the first change to a post waits for the ones clicked with it.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);

/// The least time between two edits of one post.
pub const INTERVAL: Duration = Duration::from_millis(2_500);

#[derive(Default)]
struct Post {
    scheduled: bool,
    last_edit: Option<Instant>,
    /// Held while an edit renders and is sent.
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// Which posts have an edit scheduled, and when each was last edited.
#[derive(Default)]
pub struct Edits {
    posts: Mutex<HashMap<(GuildId, NaiveDate), Post>>,
    tasks: Mutex<JoinSet<()>>,
}

impl Edits {
    /// When the post's next edit should run, or `None` when one is already scheduled (it will
    /// render this change too).
    pub(super) fn schedule(&self, guild: GuildId, day: NaiveDate) -> Option<Instant> {
        let mut posts = self.posts.lock().unwrap_or_else(PoisonError::into_inner);
        let post = posts.entry((guild, day)).or_default();
        if post.scheduled {
            return None;
        }
        post.scheduled = true;
        let now = Instant::now();
        let after_last = post.last_edit.map_or(now, |last| last + INTERVAL);
        Some(after_last.max(now + FIRST_DELAY))
    }

    /// Waits until no other edit of the post is being rendered or sent.
    pub(super) async fn turn(
        &self,
        guild: GuildId,
        day: NaiveDate,
    ) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = {
            let mut posts = self.posts.lock().unwrap_or_else(PoisonError::into_inner);
            // Only recent posts are edited: older entries go when a new one comes.
            let oldest = day - chrono::TimeDelta::days(2);
            posts.retain(|(_, kept), _| *kept >= oldest);
            Arc::clone(&posts.entry((guild, day)).or_default().turn)
        };
        turn.lock_owned().await
    }

    /// Called when a scheduled edit starts rendering: changes from now on need another edit.
    pub(super) fn started(&self, guild: GuildId, day: NaiveDate) {
        let mut posts = self.posts.lock().unwrap_or_else(PoisonError::into_inner);
        let post = posts.entry((guild, day)).or_default();
        post.scheduled = false;
        post.last_edit = Some(Instant::now());
    }

    /// Keeps an edit's task, so shutdown can stop it.
    pub(super) fn keep(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        // Finished tasks are reaped here, so the set holds only edits still waiting.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Stops the edits still waiting; the next start reconciles every post and edits it then.
    pub fn stop(&self) {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .abort_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_waits_for_one_edit_and_edits_keep_their_interval() {
        let edits = Edits::default();
        let (guild, day) = (
            GuildId(1),
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day"),
        );
        let start = Instant::now();
        let first = edits
            .schedule(guild, day)
            .expect("the first change schedules an edit");
        assert_eq!(first - start, FIRST_DELAY);
        assert_eq!(edits.schedule(guild, day), None, "later changes ride along");

        tokio::time::advance(FIRST_DELAY).await;
        edits.started(guild, day);
        let second = edits
            .schedule(guild, day)
            .expect("a change after the render needs an edit");
        assert_eq!(second - start, FIRST_DELAY + INTERVAL);
        let other = edits
            .schedule(GuildId(2), day)
            .expect("another guild's post has its own schedule");
        assert_eq!(other - start, FIRST_DELAY + FIRST_DELAY);
    }
}
