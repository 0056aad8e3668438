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
