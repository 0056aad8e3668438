//! The error type of every command and the one place errors are reported.
//!
//! A [`CommandError::User`] is a sentence for the person who ran the command: it is shown to them
//! alone (ephemeral) and nothing is logged. Anything else is our fault: it is logged with the
//! command, guild and user, and the person gets a short apology, so an internal detail (a SQL
//! error, a file path) never reaches Discord.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use poise::{CreateReply, FrameworkError};

use crate::app::App;

/// What went wrong in a command.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user asked for something we refuse; the sentence tells them what to do instead.
    #[error("{0}")]
    User(String),
    /// Something failed on our side; logged, never shown in detail.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl CommandError {
    /// A refusal shown to the user, e.g. `CommandError::user("Kills must be between 1 and 100.")`.
    #[must_use]
    pub fn user(sentence: impl Into<String>) -> Self {
        Self::User(sentence.into())
    }
}

impl From<crate::store::StoreError> for CommandError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            // The interaction raced the guild's GUILD_CREATE (the bot was just added): nothing
            // was written, and a retry a moment later works.
            crate::store::StoreError::UnknownGuild(_) => Self::user(
                "trakker is still setting up this server; please try again in a few seconds.",
            ),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<serenity::Error> for CommandError {
    fn from(error: serenity::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// Shown when something failed on our side.
pub const INTERNAL_ERROR_REPLY: &str =
    "Something went wrong on our side and it has been logged. Please try again in a moment.";

/// The framework's error hook: every error of every command ends here.
pub async fn on_error(error: FrameworkError<'_, Arc<App>, CommandError>) {
    match error {
        FrameworkError::Command {
            error: CommandError::User(sentence),
            ctx,
            ..
        } => {
            reply_ephemeral(ctx, &sentence).await;
        }
        FrameworkError::Command {
            error: CommandError::Internal(error),
            ctx,
            ..
        } => {
            tracing::error!(
                command = %ctx.command().qualified_name,
                guild = ?ctx.guild_id().map(serenity::GuildId::get),
                user = ctx.author().id.get(),
                error = format!("{error:#}"),
                "command failed"
            );
            reply_ephemeral(ctx, INTERNAL_ERROR_REPLY).await;
        }
        FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            // Discord's client validates options, so this is most likely a forged interaction.
            tracing::warn!(
                command = %ctx.command().qualified_name,
                user = ctx.author().id.get(),
                input = ?input,
                error = %error,
                "rejected a malformed option"
            );
            reply_ephemeral(
                ctx,
                "One of the options is not valid for this command; nothing was changed.",
            )
            .await;
        }
        FrameworkError::CommandStructureMismatch {
            description, ctx, ..
        } => {
            tracing::warn!(
                command = %ctx.command().qualified_name,
                user = ctx.interaction.user.id.get(),
                description,
                "an interaction does not match the registered command"
            );
            reply_ephemeral(
                poise::Context::Application(ctx),
                "This command's options do not match what the bot expects; nothing was changed.",
            )
            .await;
        }
        FrameworkError::GuildOnly { ctx, .. } => {
            reply_ephemeral(ctx, "This command only works inside a server.").await;
        }
        FrameworkError::MissingUserPermissions {
            ctx,
            missing_permissions,
            ..
        } => {
            let sentence = match missing_permissions {
                Some(missing) => format!("You need the {missing} permission to use this command."),
                None => "Your permissions could not be checked; nothing was changed.".to_owned(),
            };
            reply_ephemeral(ctx, &sentence).await;
        }
        FrameworkError::CommandPanic { payload, ctx, .. } => {
            tracing::error!(
                command = %ctx.command().qualified_name,
                guild = ?ctx.guild_id().map(serenity::GuildId::get),
                user = ctx.author().id.get(),
                payload = payload.as_deref().unwrap_or("(no message)"),
                "command panicked"
            );
            reply_ephemeral(ctx, INTERNAL_ERROR_REPLY).await;
        }
        FrameworkError::EventHandler { error, event, .. } => {
            tracing::error!(event = event.snake_case_name(), error = %error, "event handler failed");
        }
        FrameworkError::Setup { error, .. } => {
            tracing::error!(error = %error, "start-up failed");
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(error = %error, "could not report an error to the user");
            }
        }
    }
}

async fn reply_ephemeral(ctx: poise::Context<'_, Arc<App>, CommandError>, sentence: &str) {
    let reply = CreateReply::default().content(sentence).ephemeral(true);
    if let Err(error) = ctx.send(reply).await {
        tracing::warn!(error = %error, "could not send an error reply");
    }
}
