//! The one path every message the bot sends or edits goes through, and the guarantee that every
//! interaction gets an answer within Discord's three seconds.
//!
//! **Nobody is pinged.** Replies name members as mentions so everyone sees who is meant, and
//! echo text members typed (game names, notes); Discord's default would let `<@id>` or
//! `@everyone` in that text ping people from the bot. Every builder here carries allowed mentions
//! that ping nobody, the framework's default is the same ([`nobody`]), and clippy refuses the
//! builders' own constructors outside this module (`clippy.toml`), so a new command cannot
//! forget. A feature that means to ping someone must say so here, by id.
//!
//! **Nobody waits.** Discord drops an interaction that is not acknowledged within three seconds
//! and shows "The application did not respond". A command that is still working after
//! [`DEFER_AFTER`] (a slow or unreachable database) is deferred by a watchdog, so the member sees
//! "thinking…" and then the answer. The watchdog and the command's own reply take one lock per
//! interaction, so exactly one of them acknowledges it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;
use tokio::sync::Mutex;

use crate::discord::{CommandError, Context};

/// How long a command may work before the watchdog defers it: well inside Discord's three
/// seconds, leaving room for the deferral's own round trip.
pub const DEFER_AFTER: Duration = Duration::from_millis(1_800);

/// Allowed mentions that ping nobody: no users, roles, `@everyone` or replied-to author.
pub fn nobody() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .everyone(false)
        .replied_user(false)
}

/// A reply visible to everyone, to build on.
#[must_use]
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn public() -> CreateReply {
    CreateReply::new()
        .allowed_mentions(nobody())
        .ephemeral(false)
}

/// A reply only the caller sees, to build on.
#[must_use]
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn private() -> CreateReply {
    CreateReply::new()
        .allowed_mentions(nobody())
        .ephemeral(true)
}

/// A message posted in a channel outside any interaction (session summaries), to build on.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn channel_message() -> serenity::CreateMessage {
    serenity::CreateMessage::new().allowed_mentions(nobody())
}

/// New content for a message the bot posted outside any interaction (the daily post), to build
/// on.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn message_edit() -> serenity::EditMessage {
    serenity::EditMessage::new().allowed_mentions(nobody())
}

/// The new content of the message a component sits on (history paging), to build on.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn component_update() -> serenity::CreateInteractionResponseMessage {
    serenity::CreateInteractionResponseMessage::new().allowed_mentions(nobody())
}

/// The new content of an interaction's answer, once it was acknowledged, to build on.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn response_edit() -> serenity::EditInteractionResponse {
    serenity::EditInteractionResponse::new().allowed_mentions(nobody())
}

/// A private sentence sent after an interaction was acknowledged.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn private_followup(sentence: &str) -> serenity::CreateInteractionResponseFollowup {
    serenity::CreateInteractionResponseFollowup::new()
        .content(sentence)
        .ephemeral(true)
        .allowed_mentions(nobody())
}

/// A private sentence as the answer to an interaction no command handles.
#[must_use]
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub fn private_answer(sentence: &str) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .content(sentence)
            .ephemeral(true)
            .allowed_mentions(nobody()),
    )
}

/// What a click on a button or menu changes on the message it sits on.
#[derive(Default)]
pub struct ClickUpdate {
    /// The new text, if it changes.
    pub content: Option<String>,
    /// The new embed, if it changes.
    pub embed: Option<serenity::CreateEmbed>,
    /// The components from now on (none removes them).
    pub rows: Vec<serenity::CreateActionRow>,
}

/// Answers a click with the message `work` redraws. Work still running after [`DEFER_AFTER`]
/// is acknowledged first, so the click never fails on the member's screen; a refusal or a
/// failure is said privately (`what` names the component in the log).
///
/// # Errors
/// When Discord refuses the answer.
pub async fn answer_click(
    ctx: &serenity::Context,
    click: &serenity::ComponentInteraction,
    what: &'static str,
    work: impl std::future::Future<Output = Result<ClickUpdate, CommandError>>,
) -> Result<(), CommandError> {
    tokio::pin!(work);
    let (result, acknowledged) = match tokio::time::timeout(DEFER_AFTER, &mut work).await {
        Ok(result) => (result, false),
        Err(_slow) => {
            click
                .create_response(ctx, serenity::CreateInteractionResponse::Acknowledge)
                .await?;
            (work.await, true)
        }
    };
    match (result, acknowledged) {
        (Ok(update), false) => {
            let mut message = component_update().components(update.rows);
            if let Some(content) = update.content {
                message = message.content(content);
            }
            if let Some(embed) = update.embed {
                message = message.embed(embed);
            }
            click
                .create_response(
                    ctx,
                    serenity::CreateInteractionResponse::UpdateMessage(message),
                )
                .await?;
        }
        (Ok(update), true) => {
            let mut edit = response_edit().components(update.rows);
            if let Some(content) = update.content {
                edit = edit.content(content);
            }
            if let Some(embed) = update.embed {
                edit = edit.embed(embed);
            }
            click.edit_response(ctx, edit).await?;
        }
        (Err(error), acknowledged) => {
            let origin = crate::discord::error::Origin {
                what,
                guild: click.guild_id.map(serenity::GuildId::get),
                user: click.user.id.get(),
            };
            let sentence = crate::discord::error::report(&error, &origin);
            if sentence.is_empty() {
                return Ok(());
            }
            if acknowledged {
                click
                    .create_followup(ctx, private_followup(&sentence))
                    .await?;
            } else {
                click
                    .create_response(ctx, private_answer(&sentence))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Replies with `embed`, visible to everyone.
///
/// # Errors
/// When Discord refuses the reply.
pub async fn embed(ctx: Context<'_>, embed: serenity::CreateEmbed) -> Result<(), CommandError> {
    send(ctx, public().embed(embed)).await.map(drop)
}

/// Replies with `text`, visible to everyone; returns the reply so the caller can react to it.
///
/// # Errors
/// When Discord refuses the reply.
pub async fn text(ctx: Context<'_>, text: String) -> Result<poise::ReplyHandle<'_>, CommandError> {
    send(ctx, public().content(text)).await
}

/// Replies with `sentence`, visible to the caller alone.
///
/// # Errors
/// When Discord refuses the reply.
pub async fn private_text(ctx: Context<'_>, sentence: &str) -> Result<(), CommandError> {
    send(ctx, private().content(sentence)).await.map(drop)
}

/// Sends `reply` as the answer (or, once answered, as a follow-up), coordinated with the
/// watchdog so the interaction is acknowledged exactly once.
///
/// # Errors
/// When Discord refuses the reply.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub async fn send(
    ctx: Context<'_>,
    reply: CreateReply,
) -> Result<poise::ReplyHandle<'_>, CommandError> {
    let poise::Context::Application(actx) = ctx else {
        return Ok(ctx.send(reply).await?);
    };
    let Some(responder) = responder(ctx).await else {
        return Ok(ctx.send(reply).await?);
    };
    let mut state = responder.state.lock().await;
    if let Answer::Deferred { ephemeral } = *state {
        // poise only knows about deferrals it made itself: tell it the "thinking…" message is
        // there, so this reply fills it in instead of answering a second time.
        actx.has_sent_initial_response.store(true, Ordering::SeqCst);
        if !ephemeral && is_private(&reply) {
            // The first follow-up takes the deferral's visibility; a private sentence must not
            // land in the public "thinking…" message, so that message goes and the follow-up
            // becomes a message of its own.
            actx.interaction
                .delete_response(ctx.http())
                .await
                .map_err(CommandError::from)?;
        }
    }
    let handle = ctx.send(reply).await?;
    *state = Answer::Sent;
    Ok(handle)
}

/// Acknowledges the interaction now ("thinking…"), for a command that knows it will be slow.
///
/// # Errors
/// When Discord refuses the deferral.
pub async fn defer(ctx: Context<'_>) -> Result<(), CommandError> {
    defer_as(ctx, ctx.command().ephemeral).await
}

/// Acknowledges the interaction now ("thinking…"), privately or for everyone: the answer that
/// fills it in later has the same visibility.
///
/// # Errors
/// When Discord refuses the deferral.
#[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
pub async fn defer_as(ctx: Context<'_>, ephemeral: bool) -> Result<(), CommandError> {
    let acknowledge = || async {
        if ephemeral {
            ctx.defer_ephemeral().await
        } else {
            ctx.defer().await
        }
    };
    let Some(responder) = responder(ctx).await else {
        return Ok(acknowledge().await?);
    };
    let mut state = responder.state.lock().await;
    if *state == Answer::Pending {
        acknowledge().await?;
        *state = Answer::Deferred { ephemeral };
    }
    Ok(())
}

/// Discord's message flag for a message only the caller sees.
const EPHEMERAL_FLAG: u64 = 1 << 6;

fn is_private(reply: &CreateReply) -> bool {
    // `CreateReply` keeps its flags to itself; the body it becomes shows them.
    #[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
    let body = reply
        .clone()
        .to_slash_followup_response(serenity::CreateInteractionResponseFollowup::new());
    serde_json::to_value(&body)
        .ok()
        .and_then(|body| body.get("flags").and_then(serde_json::Value::as_u64))
        .is_some_and(|flags| flags & EPHEMERAL_FLAG != 0)
}

/// How far the answer to one interaction has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// Nothing sent yet.
    Pending,
    /// Acknowledged with "thinking…"; the answer fills it in.
    Deferred { ephemeral: bool },
    /// The answer went out.
    Sent,
}

/// One interaction's answer state, shared by the command and its watchdog.
struct Responder {
    state: Mutex<Answer>,
    /// When the pre-command hook ran, for the command latency metric.
    started: std::time::Instant,
}

/// How long the command has been running since the pre-command hook; `None` before it ran (a
/// permission refused first).
pub async fn elapsed(ctx: Context<'_>) -> Option<Duration> {
    responder(ctx)
        .await
        .map(|responder| responder.started.elapsed())
}

async fn responder(ctx: Context<'_>) -> Option<Arc<Responder>> {
    ctx.invocation_data::<Arc<Responder>>()
        .await
        .map(|responder| Arc::clone(&responder))
}

/// The framework's pre-command hook: starts the watchdog that defers the interaction if the
/// command has not answered within [`DEFER_AFTER`].
pub async fn watch(ctx: Context<'_>) {
    let poise::Context::Application(actx) = ctx else {
        return;
    };
    let responder = Arc::new(Responder {
        state: Mutex::new(Answer::Pending),
        started: std::time::Instant::now(),
    });
    ctx.set_invocation_data(Arc::clone(&responder)).await;
    let http = Arc::clone(&ctx.serenity_context().http);
    let interaction = actx.interaction.clone();
    let ephemeral = ctx.command().ephemeral;
    let command = ctx.command().qualified_name.clone();
    tokio::spawn(async move {
        tokio::time::sleep(DEFER_AFTER).await;
        let mut state = responder.state.lock().await;
        if *state != Answer::Pending {
            return;
        }
        #[expect(clippy::disallowed_methods, reason = "this is the one reply path")]
        let thinking = serenity::CreateInteractionResponse::Defer(
            serenity::CreateInteractionResponseMessage::new().ephemeral(ephemeral),
        );
        match interaction.create_response(&http, thinking).await {
            Ok(()) => {
                tracing::info!(%command, "deferred a command still working after the first seconds");
                *state = Answer::Deferred { ephemeral };
            }
            Err(error) => tracing::warn!(%command, %error, "could not defer a slow command"),
        }
    });
}
