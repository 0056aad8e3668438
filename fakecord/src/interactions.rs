//! Interactions in flight: the ones fakecord sent to the bot, how the bot answered (callback,
//! `@original` edits, follow-ups), and waiting for that answer on behalf of a control API
//! caller.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;

use crate::api::{InteractionOutcome, ResponseKind};
use crate::snowflake::Snowflake;
use crate::world::World;

/// Message flag: only the invoking user sees it.
pub(crate) const EPHEMERAL: u64 = 1 << 6;
/// Message flag: the "thinking…" placeholder of a deferred answer.
pub(crate) const LOADING: u64 = 1 << 7;

/// One interaction and what the bot did with it.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub id: Snowflake,
    pub token: String,
    /// Interaction type: 2 command, 3 component, 4 autocomplete.
    pub kind: u8,
    /// Command name or component `custom_id`.
    pub name: String,
    pub guild_id: Option<Snowflake>,
    pub channel_id: Snowflake,
    pub user_id: Snowflake,
    /// For components: the message the component is on.
    pub source_message: Option<Snowflake>,
    /// The callback type, once the bot answered.
    pub response_type: Option<u8>,
    /// The callback's `data`.
    pub response_data: Value,
    /// The message `@original` refers to.
    pub original: Option<Snowflake>,
    /// Whether the answer message was filled in after a deferral (edit or first follow-up).
    pub original_filled: bool,
    pub followups: Vec<Snowflake>,
    /// When `INTERACTION_CREATE` was queued on the bot's gateway connection.
    pub dispatched_at: Option<Instant>,
    /// When the bot's callback (`POST /interactions/{id}/{token}/callback`) reached fakecord.
    pub callback_at: Option<Instant>,
}

impl Pending {
    /// Microseconds from dispatch to the callback's arrival, once both happened.
    pub(crate) fn callback_micros(&self) -> Option<u64> {
        let elapsed = self
            .callback_at?
            .checked_duration_since(self.dispatched_at?)?;
        Some(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX))
    }

    /// Whether the bot has given its answer: any callback except a deferred message (type 5),
    /// which counts once the message is filled in.
    pub(crate) fn answered(&self) -> bool {
        match self.response_type {
            None => false,
            Some(5) => self.original_filled || !self.followups.is_empty(),
            Some(_) => true,
        }
    }
}

#[derive(Debug, Default)]
struct Registry {
    by_token: HashMap<String, Pending>,
    token_of: HashMap<Snowflake, String>,
}

/// All interactions, with a change counter waiters watch.
#[derive(Debug)]
pub(crate) struct Interactions {
    registry: Mutex<Registry>,
    changes: watch::Sender<u64>,
}

impl Default for Interactions {
    fn default() -> Self {
        Self {
            registry: Mutex::default(),
            changes: watch::Sender::new(0),
        }
    }
}

/// Why waiting for an answer ended without one.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WaitError {
    #[error("unknown interaction {0}")]
    Unknown(Snowflake),
    #[error("timed out after {waited:?} waiting for the bot to answer interaction {id} ({name}): {progress}")]
    TimedOut {
        id: Snowflake,
        name: String,
        waited: Duration,
        progress: String,
    },
}

impl Interactions {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new interaction before it is dispatched.
    pub(crate) fn insert(&self, pending: Pending) {
        let mut registry = self.lock();
        registry.token_of.insert(pending.id, pending.token.clone());
        registry.by_token.insert(pending.token.clone(), pending);
    }

    /// Forgets an interaction that could not be dispatched.
    pub(crate) fn remove(&self, id: Snowflake) {
        let mut registry = self.lock();
        if let Some(token) = registry.token_of.remove(&id) {
            registry.by_token.remove(&token);
        }
    }

    /// A copy of the interaction with this token.
    pub(crate) fn by_token(&self, token: &str) -> Option<Pending> {
        self.lock().by_token.get(token).cloned()
    }

    /// A copy of the interaction with this id.
    pub(crate) fn by_id(&self, id: Snowflake) -> Option<Pending> {
        let registry = self.lock();
        registry
            .token_of
            .get(&id)
            .and_then(|t| registry.by_token.get(t))
            .cloned()
    }

    /// Changes the interaction with this token and wakes waiters. Returns `None` if unknown.
    pub(crate) fn update<T>(
        &self,
        token: &str,
        change: impl FnOnce(&mut Pending) -> T,
    ) -> Option<T> {
        let result = self.lock().by_token.get_mut(token).map(change);
        if result.is_some() {
            self.changes.send_modify(|n| *n += 1);
        }
        result
    }

    /// Waits until the bot answered interaction `id` and sent `followups` follow-ups, then
    /// returns the answer as the world shows it.
    pub(crate) async fn wait(
        &self,
        id: Snowflake,
        followups: usize,
        timeout: Duration,
        world: impl Fn(&Pending) -> InteractionOutcome,
    ) -> Result<InteractionOutcome, WaitError> {
        let mut watcher = self.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let pending = self.by_id(id).ok_or(WaitError::Unknown(id))?;
            if pending.answered() && pending.followups.len() >= followups {
                return Ok(world(&pending));
            }
            let changed = tokio::time::timeout_at(deadline, watcher.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return Err(WaitError::TimedOut {
                    id,
                    name: pending.name.clone(),
                    waited: timeout,
                    progress: describe_progress(&pending, followups),
                });
            }
        }
    }
}

fn describe_progress(pending: &Pending, followups: usize) -> String {
    match pending.response_type {
        None => "the bot never called back (POST /interactions/{id}/{token}/callback)".to_owned(),
        Some(5) if !pending.answered() => {
            "the bot deferred (type 5) but never edited @original or sent a follow-up".to_owned()
        }
        Some(t) => format!(
            "the bot answered with type {t} but sent {} of {followups} follow-ups",
            pending.followups.len()
        ),
    }
}

/// The control API's view of an answer.
pub(crate) fn outcome(world: &World, pending: &Pending, base: &str) -> InteractionOutcome {
    let response_type = pending.response_type.unwrap_or(0);
    let data = &pending.response_data;
    let message = pending.original.and_then(|id| world.messages.get(&id));
    let view = message.map(|m| m.view(world.bot_id, &world.attachments, base));
    let flags = match (response_type, &view) {
        (4 | 5 | 7, Some(v)) => v.flags,
        _ => data.get("flags").and_then(Value::as_u64).unwrap_or(0),
    };
    let array = |key: &str| {
        data.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    InteractionOutcome {
        interaction_id: pending.id,
        token: pending.token.clone(),
        response_type,
        kind: ResponseKind::from_type(u64::from(response_type)),
        deferred: matches!(response_type, 5 | 6),
        ephemeral: flags & EPHEMERAL != 0,
        flags,
        content: view.as_ref().map(|v| v.content.clone()).unwrap_or_default(),
        embeds: view.as_ref().map(|v| v.embeds.clone()).unwrap_or_default(),
        components: view
            .as_ref()
            .map(|v| v.components.clone())
            .unwrap_or_default(),
        attachments: view
            .as_ref()
            .map(|v| v.attachments.clone())
            .unwrap_or_default(),
        choices: if response_type == 8 {
            array("choices")
        } else {
            Vec::new()
        },
        modal: (response_type == 9).then(|| data.clone()),
        message_id: view.as_ref().map(|v| v.id),
        followups: pending
            .followups
            .iter()
            .filter_map(|id| world.messages.get(id))
            .map(|m| m.view(world.bot_id, &world.attachments, base))
            .collect(),
        callback_micros: pending.callback_micros(),
    }
}
