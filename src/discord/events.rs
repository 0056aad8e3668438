//! Gateway events that keep the store's view of guilds and members current, and clicks on
//! buttons that outlive the command that drew them (history paging).
//!
//! `GUILD_CREATE` arrives for every guild at start-up and after every reconnect that is not a
//! resume, carrying the full member list; upserting it is idempotent, so seeing a guild twice
//! changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::FullEvent;

use crate::app::App;
use crate::discord::activity;
use crate::discord::commands::history;
use crate::discord::{reply, CommandError};
use crate::domain::ids::{GuildId, UserId};
use crate::store::{GuildRecord, MemberRecord};

/// The answer to a button, menu or form the bot no longer knows.
pub const STALE_COMPONENT_REPLY: &str =
    "This button is from an older message and no longer works; run the command again.";

/// The framework's event hook.
///
/// # Errors
/// When the store rejects a write; the framework's error hook logs it.
pub async fn handle(
    framework: poise::FrameworkContext<'_, Arc<App>, CommandError>,
    event: &FullEvent,
) -> Result<(), CommandError> {
    let store = &framework.user_data.store;
    activity::record(framework.serenity_context, framework.user_data, event).await;
    match event {
        FullEvent::GuildCreate { guild, .. } => {
            let record = GuildRecord {
                id: GuildId(guild.id.get()),
                name: guild.name.clone(),
                joined_at: to_utc(guild.joined_at),
                left_at: None,
            };
            store.upsert_guild(&record).await?;
            let members: Vec<MemberRecord> = guild.members.values().map(member_record).collect();
            store.upsert_members(record.id, &members).await?;
            tracing::info!(
                guild = guild.id.get(),
                members = members.len(),
                "guild available"
            );
            request_missing_members(framework.serenity_context, guild);
        }
        FullEvent::GuildMembersChunk { chunk } => {
            let members: Vec<MemberRecord> = chunk.members.values().map(member_record).collect();
            store
                .upsert_members(GuildId(chunk.guild_id.get()), &members)
                .await?;
            if chunk.chunk_index + 1 == chunk.chunk_count {
                tracing::info!(
                    guild = chunk.guild_id.get(),
                    "every member of a large guild is known"
                );
            }
        }
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            store
                .mark_guild_left(GuildId(incomplete.id.get()), Utc::now())
                .await?;
            tracing::info!(guild = incomplete.id.get(), "removed from guild");
        }
        FullEvent::GuildMemberAddition { new_member } => {
            let guild = GuildId(new_member.guild_id.get());
            let lock = framework.user_data.telemetry.membership_lock(guild);
            let _ordered = lock.lock().await;
            // A member the cache no longer has left before this handler ran; writing them as
            // present now would undo the departure.
            if activity::still_a_member(
                framework.serenity_context,
                new_member.guild_id,
                new_member.user.id,
            ) {
                store
                    .upsert_members(guild, &[member_record(new_member)])
                    .await?;
            }
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => {
            if click.data.custom_id.starts_with(history::BUTTON_PREFIX) {
                history::on_button(framework.serenity_context, framework.user_data, click).await?;
            } else {
                // A button or menu of an older version, or a forged one: still answered, since
                // Discord otherwise shows the member "This interaction failed".
                tracing::info!(custom_id = %click.data.custom_id, "answered an unknown component");
                click
                    .create_response(
                        &framework.serenity_context.http,
                        reply::private_answer(STALE_COMPONENT_REPLY),
                    )
                    .await?;
            }
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } => {
            tracing::info!(custom_id = %submit.data.custom_id, "answered an unknown form");
            submit
                .create_response(
                    &framework.serenity_context.http,
                    reply::private_answer(STALE_COMPONENT_REPLY),
                )
                .await?;
        }
        FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            let guild = GuildId(guild_id.get());
            let lock = framework.user_data.telemetry.membership_lock(guild);
            let _ordered = lock.lock().await;
            store
                .mark_member_left(guild, UserId(user.id.get()), Utc::now())
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Asks the gateway for every member of a guild whose `GUILD_CREATE` did not carry them all.
///
/// Discord sends a guild above the `large_threshold` without most of its members (only the bot,
/// members in voice and, with presences, those online); the rest come in `GUILD_MEMBERS_CHUNK`
/// events on request (the bot always has the members intent it needs), which the handler above
/// stores.
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

fn member_record(member: &serenity::Member) -> MemberRecord {
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
