//! Gateway events about guilds and their members, turned into calls on the membership service
//! (`community::Membership`): a guild becoming available, member chunks of a large guild, joins,
//! departures and presence changes.
//!
//! serenity runs each event's handler as its own task. Every member event waits for its guild's
//! turn and then reads the member's latest state from serenity's cache, which serenity updates in
//! gateway order before any handler runs, so the store ends in the true state whatever order the
//! handlers ran in.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::community::Arrival;
use crate::discord::activity;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::invites::InviteRecord;
use crate::store::{GuildRecord, MemberRecord, StoreError};

/// A guild is available (start-up, a new server, a reconnect that is not a resume): the guild
/// row first, so commands work there at once, then its members, then what it means for activity
/// (voice reconciliation, invites), and a request for the members Discord left out.
///
/// # Errors
/// When the store refuses the guild or its members.
pub async fn guild_available(
    ctx: &serenity::Context,
    app: &App,
    guild: &serenity::Guild,
) -> Result<(), StoreError> {
    let record = GuildRecord {
        id: GuildId(guild.id.get()),
        name: guild.name.clone(),
        joined_at: to_utc(guild.joined_at),
        left_at: None,
    };
    let members: Vec<MemberRecord> = guild.members.values().map(member_record).collect();
    app.membership.guild_available(&record, &members).await?;
    tracing::info!(
        guild = guild.id.get(),
        members = members.len(),
        "guild available"
    );
    request_missing_members(ctx, guild);
    activity::guild_available(ctx, app, guild).await;
    Ok(())
}

/// Members of a large guild that Discord sent on request.
///
/// # Errors
/// When the store refuses them.
pub async fn chunk_arrived(
    app: &App,
    chunk: &serenity::GuildMembersChunkEvent,
) -> Result<(), StoreError> {
    let members: Vec<MemberRecord> = chunk.members.values().map(member_record).collect();
    app.membership
        .members_arrived(GuildId(chunk.guild_id.get()), &members)
        .await?;
    if chunk.chunk_index + 1 == chunk.chunk_count {
        tracing::info!(
            guild = chunk.guild_id.get(),
            "every member of a large guild is known"
        );
    }
    Ok(())
}

/// A member joined: in the guild's turn, the invites Discord lists now (to tell which one
/// brought them) and whether the cache still has them (they may have left meanwhile).
///
/// # Errors
/// When the store refuses the member or the join.
pub async fn joined(
    ctx: &serenity::Context,
    app: &App,
    member: &serenity::Member,
) -> Result<(), StoreError> {
    let guild = GuildId(member.guild_id.get());
    let user = UserId(member.user.id.get());
    let tracked = activity::tracked(app, guild, user, member.user.bot);
    let turn = app.membership.turn(guild).await;
    let invites_now = if tracked {
        activity::fetch_invites(ctx, app, member.guild_id).await
    } else {
        None
    };
    let arrival = Arrival {
        member: member_record(member),
        tracked,
        still_here: still_a_member(ctx, member.guild_id, member.user.id),
        invites_now,
    };
    app.membership.joined(&turn, arrival).await
}

/// An invite was created, recorded in the guild's turn so that it and the joins through it land
/// in order.
///
/// # Errors
/// When the store refuses the invite.
pub async fn invite_created(
    app: &App,
    data: &serenity::InviteCreateEvent,
) -> Result<(), StoreError> {
    let Some(guild) = data.guild_id else {
        return Ok(());
    };
    let record = InviteRecord {
        code: data.code.clone(),
        inviter_id: data.inviter.as_ref().map(|user| UserId(user.id.get())),
        channel_id: Some(ChannelId(data.channel_id.get())),
        uses: data.uses,
        max_uses: u64::from(data.max_uses),
        created_at: Some(*data.created_at),
    };
    let turn = app.membership.turn(GuildId(guild.get())).await;
    app.membership.invite_created(&turn, &record).await
}

/// An invite was deleted or expired, recorded in the guild's turn.
///
/// # Errors
/// When the store refuses the deletion.
pub async fn invite_deleted(
    app: &App,
    data: &serenity::InviteDeleteEvent,
) -> Result<(), StoreError> {
    let Some(guild) = data.guild_id else {
        return Ok(());
    };
    let turn = app.membership.turn(GuildId(guild.get())).await;
    app.membership
        .invite_deleted(&turn, &data.code, app.now())
        .await
}

/// A member left, written in the guild's turn so it never lands before their join.
///
/// # Errors
/// When the store refuses the departure.
pub async fn left(
    app: &App,
    guild: serenity::GuildId,
    user: &serenity::User,
) -> Result<(), StoreError> {
    let (guild, user_id) = (GuildId(guild.get()), UserId(user.id.get()));
    let tracked = activity::tracked(app, guild, user_id, user.bot);
    let turn = app.membership.turn(guild).await;
    app.membership
        .left(&turn, user_id, tracked, app.now())
        .await
}

/// A presence changed: in the guild's turn, the member's game sessions follow their latest
/// presence in the cache, so an older update handled after a newer one changes nothing.
///
/// # Errors
/// When the store refuses the game sessions.
pub async fn presence(
    ctx: &serenity::Context,
    app: &App,
    presence: &serenity::Presence,
) -> Result<(), StoreError> {
    if !app.config.presence_intent {
        return Ok(());
    }
    let Some(guild_id) = presence.guild_id else {
        return Ok(());
    };
    let (guild, user) = (GuildId(guild_id.get()), UserId(presence.user.id.get()));
    if !activity::tracked(app, guild, user, presence.user.bot.unwrap_or(false)) {
        return Ok(());
    }
    let turn = app.membership.turn(guild).await;
    let latest = ctx
        .cache
        .guild(guild_id)
        .and_then(|cached| cached.presences.get(&presence.user.id).map(games_played));
    let playing = latest.unwrap_or_else(|| games_played(presence));
    app.membership
        .playing(&turn, user, &playing, app.now())
        .await
}

/// The games a presence says its member plays.
fn games_played(presence: &serenity::Presence) -> Vec<String> {
    presence
        .activities
        .iter()
        .filter(|activity| activity.kind == serenity::ActivityType::Playing)
        .map(|activity| activity.name.clone())
        .collect()
}

/// Whether the cache still lists `user` in `guild`. A guild the cache does not hold says
/// nothing: assume so.
fn still_a_member(
    ctx: &serenity::Context,
    guild: serenity::GuildId,
    user: serenity::UserId,
) -> bool {
    ctx.cache
        .guild(guild)
        .is_none_or(|cached| cached.members.contains_key(&user))
}

/// Asks the gateway for every member of a guild whose `GUILD_CREATE` did not carry them all.
///
/// Discord sends a guild above the `large_threshold` without most of its members (only the bot,
/// members in voice and, with presences, those online); the rest come in `GUILD_MEMBERS_CHUNK`
/// events on request (the bot always has the members intent it needs).
fn request_missing_members(ctx: &serenity::Context, guild: &serenity::Guild) {
    let known = u64::try_from(guild.members.len()).unwrap_or(u64::MAX);
    if !guild.large && known >= guild.member_count {
        return;
    }
    tracing::info!(
        guild = guild.id.get(),
        known = guild.members.len(),
        total = guild.member_count,
        "asking for the members of a large guild"
    );
    ctx.shard.chunk_guild(
        guild.id,
        None,
        false,
        serenity::ChunkGuildFilter::None,
        None,
    );
}

/// The record of a member as the store keeps it, from what Discord sent.
pub(crate) fn member_record(member: &serenity::Member) -> MemberRecord {
    MemberRecord {
        user_id: UserId(member.user.id.get()),
        display_name: member.display_name().to_owned(),
        is_bot: member.user.bot,
        joined_at: member.joined_at.map_or_else(Utc::now, to_utc),
        left_at: None,
        tracking_opt_out: false,
    }
}

fn to_utc(timestamp: serenity::Timestamp) -> DateTime<Utc> {
    *timestamp
}
