//! Users invoking slash commands, autocomplete and components: send `INTERACTION_CREATE`, wait
//! for the bot's answer, hand it back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::Json;

use super::invocation::{self, Built};
use super::{Body, ControlError, Reply};
use crate::api::{CommandInvocation, ComponentClick, InteractionOutcome};
use crate::interactions;
use crate::server::AppState;
use crate::snowflake::Snowflake;

/// Dispatches a built interaction and waits for the answer.
async fn send_and_wait(
    state: &AppState,
    built: Built,
    timeout_ms: Option<u64>,
    followups: usize,
) -> Reply<InteractionOutcome> {
    let id = built.pending.id;
    let guild = built.pending.guild_id;
    let token = built.pending.token.clone();
    state.interactions.insert(built.pending);
    let delivery = state
        .hub
        .dispatch("INTERACTION_CREATE", guild, &built.payload);
    // Taken once the frame is queued for the socket: the payload checks before it are
    // fakecord's own work, not the bot's.
    let dispatched_at = Instant::now();
    let reached = match delivery {
        Ok(d) => d.sessions,
        Err(e) => {
            state.interactions.remove(id);
            return Err(e.into());
        }
    };
    state.interactions.update(&token, |p| {
        // A callback cannot normally beat this line; if one did, it counts as instant.
        p.dispatched_at = Some(
            p.callback_at
                .map_or(dispatched_at, |c| c.min(dispatched_at)),
        );
    });
    if reached == 0 {
        state.interactions.remove(id);
        let shard = guild.map_or(0, |g| crate::gateway::shard_of(g, state.config.shards));
        return Err(ControlError::Unavailable(format!(
            "no gateway session would receive the interaction (guild shard {shard}); is the bot connected?"
        )));
    }
    let timeout = timeout_ms.map_or(state.config.interaction_timeout, Duration::from_millis);
    let base = state.http_base.clone();
    let outcome = state
        .interactions
        .wait(id, followups, timeout, |pending| {
            interactions::outcome(&state.world(), pending, &base)
        })
        .await?;
    Ok(Json(outcome))
}

/// `POST /_fake/interactions/command`.
pub(crate) async fn command(
    State(state): State<Arc<AppState>>,
    Body(inv): Body<CommandInvocation>,
) -> Reply<InteractionOutcome> {
    let built = invocation::command(&state, &mut state.world(), &inv, false)?;
    send_and_wait(&state, built, inv.timeout_ms, inv.followups).await
}

/// `POST /_fake/interactions/autocomplete`.
pub(crate) async fn autocomplete(
    State(state): State<Arc<AppState>>,
    Body(inv): Body<CommandInvocation>,
) -> Reply<InteractionOutcome> {
    let built = invocation::command(&state, &mut state.world(), &inv, true)?;
    send_and_wait(&state, built, inv.timeout_ms, 0).await
}

/// `POST /_fake/interactions/component`.
pub(crate) async fn component(
    State(state): State<Arc<AppState>>,
    Body(click): Body<ComponentClick>,
) -> Reply<InteractionOutcome> {
    let built = invocation::component(&state, &mut state.world(), &click)?;
    send_and_wait(&state, built, click.timeout_ms, click.followups).await
}

/// `GET /_fake/interactions/{id}`: the answer so far (for follow-ups sent later).
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<Snowflake>,
) -> Reply<InteractionOutcome> {
    let pending = state
        .interactions
        .by_id(id)
        .ok_or_else(|| ControlError::NotFound(format!("unknown interaction {id}")))?;
    Ok(Json(interactions::outcome(
        &state.world(),
        &pending,
        &state.http_base,
    )))
}
