//! Disturbing the gateway on purpose (op 7, op 9, dropped sockets), sizing the replay buffer,
//! and sending raw dispatches.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::{Body, ControlError, Reply};
use crate::api::{Affected, GatewayAction, RawDispatch, ReplaySettings};
use crate::gateway::hub::Control;
use crate::server::AppState;

fn apply(state: &AppState, action: &GatewayAction, control: Control) -> Json<Affected> {
    let affected = state.hub.control(action.shard, control);
    tracing::info!(?control, shard = ?action.shard, affected, "gateway control");
    Json(Affected { affected })
}

/// `POST /_fake/gateway/reconnect`: op 7 to the shard's (or every) connected session.
pub(crate) async fn reconnect(
    State(state): State<Arc<AppState>>,
    Body(action): Body<GatewayAction>,
) -> Reply<Affected> {
    Ok(apply(&state, &action, Control::Reconnect))
}

/// `POST /_fake/gateway/invalidate`: op 9; `resumable: false` also forgets the session.
pub(crate) async fn invalidate(
    State(state): State<Arc<AppState>>,
    Body(action): Body<GatewayAction>,
) -> Reply<Affected> {
    let control = Control::InvalidSession {
        resumable: action.resumable,
    };
    Ok(apply(&state, &action, control))
}

/// `POST /_fake/gateway/drop`: closes sockets without a close frame.
pub(crate) async fn drop_socket(
    State(state): State<Arc<AppState>>,
    Body(action): Body<GatewayAction>,
) -> Reply<Affected> {
    Ok(apply(&state, &action, Control::DropSocket))
}

/// `POST /_fake/gateway/replay`: how many dispatches each session keeps for RESUME, from now
/// on; buffers holding more forget their oldest at once.
pub(crate) async fn replay(
    State(state): State<Arc<AppState>>,
    Body(settings): Body<ReplaySettings>,
) -> Reply<ReplaySettings> {
    if settings.capacity == 0 {
        return Err(ControlError::BadRequest(
            "`capacity` must be at least 1".to_owned(),
        ));
    }
    let capacity = state.hub.set_replay_capacity(settings.capacity);
    tracing::info!(capacity, "replay buffer resized");
    Ok(Json(ReplaySettings { capacity }))
}

/// `POST /_fake/dispatch`: a raw event, checked by serenity and routed like any other.
pub(crate) async fn dispatch(
    State(state): State<Arc<AppState>>,
    Body(raw): Body<RawDispatch>,
) -> Reply<Value> {
    let delivery = state.hub.dispatch(&raw.event, raw.guild_id, &raw.data)?;
    Ok(Json(json!({ "sessions": delivery.sessions })))
}
