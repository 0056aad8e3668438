//! /session start | end | status: game sessions, one per text channel, with a summary at the end.


use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::ids::ChannelId;
use crate::domain::names::SessionName;
use crate::squad::sessions;
use crate::store::squad::SessionStart;
use crate::store::SessionEnd;
use crate::domain::webhooks::Event;
use crate::webhooks::payload;

/// Game sessions: start one in this channel, end it with a summary, or see how it is going.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("start", "end", "status"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn session(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Start a game session in this channel; /track here counts towards it.
#[poise::command(slash_command, guild_only)]
pub async fn start(
    ctx: Context<'_>,
    #[description = "The game you are playing"]
    #[autocomplete = "checks::autocomplete_game"]
    game: Option<String>,
    #[description = "A name for the session"]
    #[max_length = 80]
    name: Option<String>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let game = checks::game_option(ctx, guild, game.as_deref()).await?;
    let name = name
        .as_deref()
        .map(SessionName::parse)
        .transpose()
        .map_err(CommandError::User)?;
    let channel = ChannelId(ctx.channel_id().get());
    let by = checks::caller(ctx).user_id;
    match app
        .store
        .start_session(guild, channel, game.as_ref(), name.as_ref(), by, app.now())
        .await?
    {
        SessionStart::Started(session) => {
            reply::text(ctx, format!(
                "Session **{}** started {}. Every /track in this channel counts towards it; end it with /session end.",
                render::session_title(&session),
                render::timestamp(session.started_at, 'R')
            ))
            .await?;
            Ok(())
        }
        SessionStart::AlreadyRunning(session) => Err(CommandError::user(format!(
            "A session ({}) is already running in this channel; end it with /session end first.",
            render::session_title(&session)
        ))),
    }
}

/// End the session running in this channel and post its summary.
#[poise::command(slash_command, guild_only)]
pub async fn end(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let channel = ChannelId(ctx.channel_id().get());
    let by = checks::caller(ctx).user_id;
    let ended = sessions::end(
        app.store.as_ref(),
        guild,
        channel,
        Some(by),
        app.now(),
        SessionEnd::Command,
    )
    .await?
    .ok_or_else(|| CommandError::user("No session is running in this channel."))?;
    reply::embed(ctx, render::session_summary(&ended, false)).await?;
    app.webhooks
        .publish(guild, Event::SessionEnded, payload::session_ended(&ended))
        .await;
    Ok(())
}

/// Show the session running in this channel so far.
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let channel = ChannelId(ctx.channel_id().get());
    let running = app
        .store
        .running_session(guild, channel)
        .await?
        .ok_or_else(|| CommandError::user("No session is running in this channel."))?;
    let so_far = sessions::summary_of(app.store.as_ref(), running).await?;
    reply::embed(ctx, render::session_summary(&so_far, true)).await?;
    Ok(())
}
