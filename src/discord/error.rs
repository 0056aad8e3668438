//! The error type of every command and the one place errors are reported.
//!
//! A [`CommandError::User`] is a sentence for the person who ran the command: it is shown to them
//! alone (ephemeral) and nothing is logged. Anything else is our fault: it is logged with the
//! command, guild and user, and the person gets a short apology, so an internal detail (a SQL
//! error, a file path) never reaches Discord.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use poise::FrameworkError;

use crate::app::App;
use crate::discord::reply;
use crate::ops::metrics::{self, Outcome};

/// What went wrong in a command.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user asked for something we refuse; the sentence tells them what to do instead.
    #[error("{0}")]
    User(String),
    /// The database did not answer, so nothing was done; the user is told so and to retry.
    #[error("the database did not answer: {0}")]
    Unavailable(String),
    /// The database stopped answering while saving: the write may or may not have been kept.
    #[error("the database stopped answering while saving: {0}")]
    InDoubt(String),
    /// Discord no longer knows the interaction (forged, or answered too late): there is no one
    /// to answer, and nothing to log above debug level, so a flood of forgeries floods nothing.
    #[error("the interaction can no longer be answered: {0}")]
    Expired(String),
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
            crate::store::StoreError::Unavailable(error) => Self::Unavailable(error.to_string()),
            crate::store::StoreError::InDoubt(error) => Self::InDoubt(error.to_string()),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::community::charts::ChartsError> for CommandError {
    fn from(error: crate::community::charts::ChartsError) -> Self {
        match error {
            crate::community::charts::ChartsError::Store(error) => error.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::squad::tournaments::Failure> for CommandError {
    fn from(failure: crate::squad::tournaments::Failure) -> Self {
        match failure {
            crate::squad::tournaments::Failure::Refused(sentence) => Self::User(sentence),
            crate::squad::tournaments::Failure::Store(error) => error.into(),
        }
    }
}

impl From<crate::exports::ExportError> for CommandError {
    fn from(error: crate::exports::ExportError) -> Self {
        match error {
            crate::exports::ExportError::Store(error) => error.into(),
            other @ crate::exports::ExportError::Write(_) => Self::Internal(other.into()),
        }
    }
}

/// Shown when the database did not answer: nothing was done.
pub const UNAVAILABLE_REPLY: &str = "The database is not answering right now, so nothing was \
     recorded or changed. Please try again in a minute.";

/// Shown when the database stopped answering in the middle of saving.
pub const IN_DOUBT_REPLY: &str = "The database stopped answering while this was being saved, so \
     it may or may not have been kept. Please check again in a few minutes before repeating it.";

impl From<serenity::Error> for CommandError {
    fn from(error: serenity::Error) -> Self {
        if is_expired(&error) {
            Self::Expired(error.to_string())
        } else {
            Self::Internal(error.into())
        }
    }
}

/// Discord's codes for an interaction or its webhook it does not know (any more).
const UNKNOWN_INTERACTION: isize = 10_062;
const UNKNOWN_WEBHOOK: isize = 10_015;

/// Whether Discord refused a call because the interaction is unknown to it: forged, or past the
/// time Discord keeps it.
fn is_expired(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if matches!(response.error.code, UNKNOWN_INTERACTION | UNKNOWN_WEBHOOK)
    )
}

/// Shown when something failed on our side.
pub const INTERNAL_ERROR_REPLY: &str =
    "Something went wrong on our side and it has been logged. Please try again in a moment.";

/// The framework's error hook: every error of every command ends here.
pub async fn on_error(error: FrameworkError<'_, Arc<App>, CommandError>) {
    if let Some(ctx) = error.ctx() {
        count(ctx, outcome(&error)).await;
    }
    match error {
        FrameworkError::Command { error, ctx, .. } => {
            let origin = Origin {
                what: &ctx.command().qualified_name,
                guild: ctx.guild_id().map(serenity::GuildId::get),
                user: ctx.author().id.get(),
            };
            reply_ephemeral(ctx, &report(&error, &origin)).await;
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
            log_event_error(&error, event.snake_case_name());
        }
        FrameworkError::Setup { error, .. } => {
            tracing::error!(error = %error, "start-up failed");
        }
        FrameworkError::SubcommandRequired { ctx } => {
            reply_ephemeral(ctx, &choose_a_subcommand(ctx.command())).await;
        }
        FrameworkError::UnknownInteraction {
            interaction,
            framework,
            ..
        } => answer_unknown_command(&framework.serenity_context.http, interaction).await,
        FrameworkError::CommandCheckFailed { ctx, .. }
        | FrameworkError::CooldownHit { ctx, .. }
        | FrameworkError::MissingBotPermissions { ctx, .. }
        | FrameworkError::NotAnOwner { ctx, .. }
        | FrameworkError::DmOnly { ctx, .. }
        | FrameworkError::NsfwOnly { ctx, .. } => {
            reply_ephemeral(
                ctx,
                "This command cannot run here right now; nothing was changed.",
            )
            .await;
        }
        other => {
            // What is left belongs to prefix commands, which trakker does not have.
            tracing::debug!(error = %other, "ignored a framework error");
        }
    }
}

/// Counts a finished command in the metrics, with its outcome and how long it ran. The
/// framework's post-command hook calls it for the commands that succeeded, [`on_error`] for the
/// rest.
pub async fn count(ctx: crate::discord::Context<'_>, outcome: Outcome) {
    metrics::command(
        &ctx.command().qualified_name,
        outcome,
        reply::elapsed(ctx).await,
    );
}

/// How a command that ended in `error` ended.
fn outcome(error: &FrameworkError<'_, Arc<App>, CommandError>) -> Outcome {
    match error {
        FrameworkError::Command { error, .. } => match error {
            CommandError::User(_) => Outcome::Refused,
            CommandError::Unavailable(_) => Outcome::Unavailable,
            CommandError::InDoubt(_) => Outcome::InDoubt,
            CommandError::Expired(_) => Outcome::Expired,
            CommandError::Internal(_) => Outcome::Failed,
        },
        FrameworkError::CommandPanic { .. } => Outcome::Failed,
        _ => Outcome::Refused,
    }
}

/// Where an error happened, for its log line.
pub struct Origin<'a> {
    /// The command's full name, or what else was used ("history button").
    pub what: &'a str,
    /// The guild, if any.
    pub guild: Option<u64>,
    /// Who used it.
    pub user: u64,
}

/// Logs `error` (a user's refusal is not logged) and returns the sentence to show the member.
#[must_use]
pub fn report(error: &CommandError, origin: &Origin<'_>) -> String {
    let Origin { what, guild, user } = *origin;
    match error {
        CommandError::User(sentence) => sentence.clone(),
        CommandError::Unavailable(detail) => {
            tracing::warn!(what, guild, user, error = %detail, "the database was unavailable");
            UNAVAILABLE_REPLY.to_owned()
        }
        CommandError::InDoubt(detail) => {
            tracing::warn!(what, guild, user, error = %detail, "the database stopped answering during a commit");
            IN_DOUBT_REPLY.to_owned()
        }
        CommandError::Expired(detail) => {
            tracing::debug!(what, guild, user, error = %detail, "an interaction Discord no longer knows");
            String::new()
        }
        CommandError::Internal(error) => {
            tracing::error!(
                what,
                guild,
                user,
                error = format!("{error:#}"),
                "an interaction failed"
            );
            INTERNAL_ERROR_REPLY.to_owned()
        }
    }
}

/// Logs what an event handler failed with; an interaction Discord no longer knows is not worth
/// more than a debug line.
fn log_event_error(error: &CommandError, event: &str) {
    if let CommandError::Expired(detail) = error {
        tracing::debug!(event, error = %detail, "an interaction Discord no longer knows");
    } else {
        tracing::error!(event, error = %error, "event handler failed");
    }
}

/// Answers a command or subcommand this version does not have. Clients keep their command list
/// for a while after a deploy, and anyone can forge an interaction: neither is our fault, and
/// both get an answer.
async fn answer_unknown_command(http: &serenity::Http, interaction: &serenity::CommandInteraction) {
    tracing::info!(
        command = %interaction.data.name,
        guild = ?interaction.guild_id.map(serenity::GuildId::get),
        "answered a command this version does not have"
    );
    let answer = reply::private_answer(UNKNOWN_COMMAND_REPLY);
    if let Err(error) = interaction.create_response(http, answer).await {
        tracing::warn!(%error, "could not answer an unknown command");
    }
}

/// Shown for a command or subcommand the bot does not have (a client with an old command list).
pub const UNKNOWN_COMMAND_REPLY: &str =
    "This command has changed or no longer exists; your Discord client will show the current \
     commands in a moment. Nothing was changed.";

/// The answer to a command group invoked without one of its subcommands.
#[must_use]
pub fn choose_a_subcommand<U, E>(command: &poise::Command<U, E>) -> String {
    let choices: Vec<String> = command
        .subcommands
        .iter()
        .map(|sub| format!("`/{} {}`", command.qualified_name, sub.name))
        .collect();
    format!("Choose one of: {}.", choices.join(", "))
}

/// Says `sentence` to the caller alone; an empty sentence (nobody to tell) sends nothing.
async fn reply_ephemeral(ctx: poise::Context<'_, Arc<App>, CommandError>, sentence: &str) {
    if sentence.is_empty() {
        return;
    }
    match reply::private_text(ctx, sentence).await {
        Ok(()) | Err(CommandError::Expired(_)) => {}
        Err(error) => tracing::warn!(error = %error, "could not send an error reply"),
    }
}
