//! Creating guilds and members joining or leaving them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::json;

use super::{Body, ControlError, Reply};
use crate::api::{GuildInfo, GuildSpec, JoinSpec, MemberInfo, NameOrId};
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire;

/// Creates a guild and sends `GUILD_CREATE` to its shard. The guild is removed again if serenity
/// would refuse the `GUILD_CREATE`, so state and bot never disagree.
pub(crate) fn create(state: &AppState, spec: &GuildSpec) -> Result<GuildInfo, ControlError> {
    let mut world = state.world();
    let id = world.create_guild(spec, &state.ids)?;
    let sent = {
        let guild = world.guild(id)?;
        state
            .hub
            .dispatch_with("GUILD_CREATE", Some(id), |identified| {
                wire::guild_create(&world, guild, identified)
            })
    };
    if let Err(e) = sent {
        world.remove_guild(id);
        return Err(e.into());
    }
    tracing::info!(guild = %id, name = %spec.name, "guild created");
    Ok(world.guild_info(id, state.config.shards)?)
}

/// `POST /_fake/guilds`.
pub(crate) async fn create_route(
    State(state): State<Arc<AppState>>,
    Body(spec): Body<GuildSpec>,
) -> Reply<GuildInfo> {
    create(&state, &spec).map(Json)
}

/// `GET /_fake/guilds`.
pub(crate) async fn list(State(state): State<Arc<AppState>>) -> Reply<Vec<GuildInfo>> {
    let world = state.world();
    let ids: Vec<Snowflake> = world.guilds.keys().copied().collect();
    ids.into_iter()
        .map(|id| {
            world
                .guild_info(id, state.config.shards)
                .map_err(ControlError::from)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Json)
}

/// `GET /_fake/guilds/{guild}`.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Reply<GuildInfo> {
    Ok(Json(state.world().guild_info(guild, state.config.shards)?))
}

/// `POST /_fake/guilds/{guild}/members`: a user joins; `GUILD_MEMBER_ADD`.
pub(crate) async fn join(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
    Body(spec): Body<JoinSpec>,
) -> Reply<MemberInfo> {
    let mut world = state.world();
    let user = world.join_guild(guild, &spec, &state.ids)?;
    let g = world.guild(guild)?;
    let member = g
        .members
        .get(&user)
        .ok_or_else(|| ControlError::NotFound(format!("member {user} vanished")))?;
    let data = wire::member_with_guild(&world, g, member);
    state.hub.dispatch("GUILD_MEMBER_ADD", Some(guild), &data)?;
    Ok(Json(MemberInfo {
        user_id: user,
        name: spec.name,
    }))
}

/// `DELETE /_fake/guilds/{guild}/members/{user}`: a member leaves (and leaves voice first);
/// `GUILD_MEMBER_REMOVE`.
pub(crate) async fn leave(
    State(state): State<Arc<AppState>>,
    Path((guild, user)): Path<(Snowflake, String)>,
) -> Reply<MemberInfo> {
    let mut world = state.world();
    let who = NameOrId::from(user);
    let user_id = world.member_id(guild, &who)?;
    let g = world.guild(guild)?;
    let left_voice = g
        .voice
        .get(&user_id)
        .map(|v| wire::voice_left(&world, g, user_id, &v.session_id));
    let (user_id, _) = world.leave_guild(guild, &who)?;
    if let Some(data) = left_voice {
        state
            .hub
            .dispatch("VOICE_STATE_UPDATE", Some(guild), &data)?;
    }
    let user = world.user_by_id(user_id)?;
    let data = json!({ "guild_id": guild, "user": wire::user(user) });
    let name = user.username.clone();
    state
        .hub
        .dispatch("GUILD_MEMBER_REMOVE", Some(guild), &data)?;
    Ok(Json(MemberInfo { user_id, name }))
}
