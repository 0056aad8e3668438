//! Guild routes: the guild, its channels, members, roles and invites.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use serenity::model::Permissions;

use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire;
use crate::world::WorldError;

/// `GET /guilds/{guild}`.
pub(crate) async fn get_guild(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    Ok(Json(wire::partial_guild(world.guild(guild)?)))
}

/// `GET /guilds/{guild}/channels`.
pub(crate) async fn channels(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let guild = world.guild(guild)?;
    Ok(Json(
        guild
            .channels
            .iter()
            .filter(|c| c.kind != crate::api::ChannelKind::Thread)
            .map(|c| wire::channel(guild.id, c))
            .collect(),
    ))
}

/// `GET /guilds/{guild}/members/{user}`.
pub(crate) async fn member(
    State(state): State<Arc<AppState>>,
    Path((guild, user)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    let m = g.members.get(&user).ok_or_else(|| WorldError::NotMember {
        user: user.to_string(),
        guild,
    })?;
    Ok(Json(wire::member(&world, m, true)))
}

/// `GET /guilds/{guild}/members?limit=&after=`: by user id, like Discord.
pub(crate) async fn members(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 1000);
    let after = query
        .get("after")
        .and_then(|a| a.parse::<Snowflake>().ok())
        .unwrap_or_default();
    Ok(Json(
        g.members
            .range(Snowflake(after.get().saturating_add(1))..)
            .take(limit)
            .map(|(_, m)| wire::member(&world, m, true))
            .collect(),
    ))
}

/// `PUT /guilds/{guild}/members/{user}/roles/{role}`: gives a member a role, as Discord does
/// for a bot with `MANAGE_ROLES` whose highest role is above it (50013 otherwise), and sends
/// `GUILD_MEMBER_UPDATE`.
pub(crate) async fn add_member_role(
    state: State<Arc<AppState>>,
    path: Path<(Snowflake, Snowflake, Snowflake)>,
) -> Result<StatusCode, DiscordError> {
    change_member_role(state, path, true)
}

/// `DELETE /guilds/{guild}/members/{user}/roles/{role}`: takes a role back, with the same
/// checks as [`add_member_role`].
pub(crate) async fn remove_member_role(
    state: State<Arc<AppState>>,
    path: Path<(Snowflake, Snowflake, Snowflake)>,
) -> Result<StatusCode, DiscordError> {
    change_member_role(state, path, false)
}

fn change_member_role(
    State(state): State<Arc<AppState>>,
    Path((guild, user, role)): Path<(Snowflake, Snowflake, Snowflake)>,
    give: bool,
) -> Result<StatusCode, DiscordError> {
    let mut world = state.world();
    let bot = world.bot_id;
    let g = world.guild(guild)?;
    let wanted = g
        .role_by_id(role)
        .ok_or_else(|| WorldError::UnknownRole(role.to_string()))?;
    if !g.members.contains_key(&user) {
        return Err(WorldError::NotMember {
            user: user.to_string(),
            guild,
        }
        .into());
    }
    let may_manage = g.member_permissions(bot) & Permissions::MANAGE_ROLES.bits() != 0;
    let highest = g
        .members
        .get(&bot)
        .into_iter()
        .flat_map(|m| m.roles.iter())
        .filter_map(|id| g.role_by_id(*id))
        .map(|r| r.position)
        .max()
        .unwrap_or(0);
    if !may_manage || wanted.position >= highest || wanted.managed || role == guild {
        return Err(DiscordError::missing_permissions());
    }
    let member = world
        .guild_mut(guild)?
        .members
        .get_mut(&user)
        .ok_or_else(|| WorldError::NotMember {
            user: user.to_string(),
            guild,
        })?;
    let had = member.roles.contains(&role);
    if give && !had {
        member.roles.push(role);
    } else if !give && had {
        member.roles.retain(|r| *r != role);
    }
    if give != had {
        let g = world.guild(guild)?;
        let m = g.members.get(&user).ok_or_else(|| WorldError::NotMember {
            user: user.to_string(),
            guild,
        })?;
        let data = wire::member_with_guild(&world, g, m);
        state
            .hub
            .dispatch("GUILD_MEMBER_UPDATE", Some(guild), &data)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /guilds/{guild}/roles`.
pub(crate) async fn roles(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    Ok(Json(
        world.guild(guild)?.roles.iter().map(wire::role).collect(),
    ))
}

/// `GET /guilds/{guild}/invites`.
pub(crate) async fn invites(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    Ok(Json(
        g.invites
            .values()
            .map(|i| wire::rich_invite(&world, g, i))
            .collect(),
    ))
}
