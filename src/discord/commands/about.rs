//! /about: what is running and where it keeps its data.

use poise::serenity_prelude as serenity;

use crate::discord::{reply, CommandError, Context};
use crate::domain::uptime;

/// Shows the bot's version, uptime, and where it stores and caches data.
#[poise::command(slash_command)]
pub async fn about(ctx: Context<'_>) -> Result<(), CommandError> {
    let app = ctx.data();
    let cache = app.cache.backend().name();
    let cache_state = if app.cache.ping().await.is_ok() {
        format!("{cache} (reachable)")
    } else {
        format!("{cache} (unreachable: answering from the database)")
    };
    let embed = serenity::CreateEmbed::new()
        .title("trakker")
        .description("Squad stats and community activity.")
        .field("Version", env!("CARGO_PKG_VERSION"), true)
        .field("Uptime", uptime::humanize(app.started_at.elapsed()), true)
        .field("Storage", app.store.backend().name(), true)
        .field("Cache", cache_state, true);
    reply::send(ctx, reply::public().embed(embed)).await?;
    Ok(())
}
