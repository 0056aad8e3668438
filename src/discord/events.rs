//! The framework's event hook: each gateway event goes to the one place that handles it. Guilds,
//! members and invites go to [`members`](crate::discord::members), counters and voice to
//! [`activity`](crate::discord::activity), reactions and deletions that concern the daily post
//! also to [`schedule`](crate::discord::schedule), and clicks on buttons that outlive the command
//! that drew them (history paging, the weekly schedule editor) to their command; a button or form the bot no longer knows
//! gets a private sentence.
//!
//! `GUILD_CREATE` arrives for every guild at start-up and after every reconnect that is not a
//! resume; handling it is idempotent, so seeing a guild twice changes nothing.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::FullEvent;

use crate::app::App;
use crate::discord::commands::{history, privacy, week};
use crate::discord::{activity, members, schedule, tournament};
use crate::discord::{reply, CommandError};
use crate::domain::ids::GuildId;

/// The answer to a button, menu or form the bot no longer knows.
pub const STALE_COMPONENT_REPLY: &str =
    "This button is from an older message and no longer works; run the command again.";

/// The framework's event hook: routes each event to the one place that handles it.
///
/// # Errors
/// When the store rejects a write; the framework's error hook logs it.
pub async fn handle(
    framework: poise::FrameworkContext<'_, Arc<App>, CommandError>,
    event: &FullEvent,
) -> Result<(), CommandError> {
    let (ctx, app) = (framework.serenity_context, framework.user_data);
    crate::ops::metrics::gateway_event(event.snake_case_name());
    // The daily post reads some events that activity counts too.
    match event {
        FullEvent::ReactionAdd { add_reaction } => {
            schedule::reaction(app, add_reaction, true).await;
        }
        FullEvent::ReactionRemove { removed_reaction } => {
            schedule::reaction(app, removed_reaction, false).await;
        }
        FullEvent::MessageDelete {
            guild_id,
            deleted_message_id,
            ..
        } => schedule::message_deleted(app, *guild_id, *deleted_message_id).await,
        _ => {}
    }
    match event {
        FullEvent::GuildCreate { guild, .. } => {
            members::guild_available(ctx, app, guild).await?;
            schedule::guild_available(app, guild.id);
        }
        FullEvent::GuildMembersChunk { chunk } => members::chunk_arrived(app, chunk).await?,
        FullEvent::GuildMemberAddition { new_member } => {
            members::joined(ctx, app, new_member).await?;
        }
        FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            members::left(app, *guild_id, user).await?;
        }
        FullEvent::PresenceUpdate { new_data } => members::presence(ctx, app, new_data).await?,
        FullEvent::InviteCreate { data } => members::invite_created(app, data).await?,
        FullEvent::InviteDelete { data } => members::invite_deleted(app, data).await?,
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            app.store
                .mark_guild_left(GuildId(incomplete.id.get()), app.now())
                .await?;
            tracing::info!(guild = incomplete.id.get(), "removed from guild");
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => {
            if click.data.custom_id.starts_with(history::BUTTON_PREFIX) {
                history::on_button(ctx, app, click).await?;
            } else if click.data.custom_id.starts_with(week::PREFIX) {
                week::on_component(ctx, app, click).await?;
            } else if click.data.custom_id.starts_with(privacy::ERASE_PREFIX) {
                privacy::on_component(ctx, app, click).await?;
            } else if click.data.custom_id.starts_with(tournament::PREFIX) {
                tournament::on_component(ctx, app, click).await?;
            } else {
                // A button or menu of an older version, or a forged one: still answered, since
                // Discord otherwise shows the member "This interaction failed".
                tracing::info!(custom_id = %click.data.custom_id, "answered an unknown component");
                click
                    .create_response(&ctx.http, reply::private_answer(STALE_COMPONENT_REPLY))
                    .await?;
            }
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } => {
            tracing::info!(custom_id = %submit.data.custom_id, "answered an unknown form");
            submit
                .create_response(&ctx.http, reply::private_answer(STALE_COMPONENT_REPLY))
                .await?;
        }
        other => activity::record(ctx, app, other).await,
    }
    Ok(())
}
