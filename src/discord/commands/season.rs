//! /season start | end | list: how a squad wipes. Nothing is deleted; boards and /stats default to
//! the running season, and all time stays available.


use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::names::SeasonName;

/// Seasons: start a new one (managers), end the running one (managers), or list them.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("start", "end", "list"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn season(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Start a new season (ends the running one); leaderboards start from zero, history stays.
#[poise::command(slash_command, guild_only)]
pub async fn start(
    ctx: Context<'_>,
    #[description = "The season's name, e.g. \"Wipe 12\""]
    #[max_length = 50]
    name: String,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let caller = checks::caller(ctx);
    checks::require_manager(&caller, &app.store.settings(guild).await?)?;
    let name = SeasonName::parse(&name).map_err(CommandError::User)?;
    let (started, ended) = app
        .store
        .start_season(guild, &name, caller.user_id, app.now())
        .await?;
    let ended = ended
        .map(|ended| format!(" {} is over and stays in the history.", ended.name))
        .unwrap_or_default();
    reply::text(ctx, format!(
        "Season **{}** started {}.{ended} Leaderboards now count from zero.",
        started.name,
        render::timestamp(started.started_at, 'f')
    ))
    .await?;
    Ok(())
}

/// End the running season; until the next one, boards show all time.
#[poise::command(slash_command, guild_only)]
pub async fn end(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let caller = checks::caller(ctx);
    checks::require_manager(&caller, &app.store.settings(guild).await?)?;
    let ended = app
        .store
        .end_season(guild, caller.user_id, app.now())
        .await?
        .ok_or_else(|| CommandError::user("No season is running."))?;
    reply::text(ctx, format!(
        "Season **{}** is over. Its numbers stay in /season list and all-time boards.",
        ended.name
    ))
    .await?;
    Ok(())
}

/// List every season, newest first.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let seasons = ctx.data().store.seasons(guild).await?;
    reply::send(ctx, reply::public().embed(render::seasons(&seasons)))
        .await?;
    Ok(())
}
