//! Public replies. Squad and activity replies name members as mentions so everyone sees who is
//! meant, but must never ping them: every reply here goes out with no allowed mentions.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::discord::{CommandError, Context};

/// A reply whose mentions ping nobody, to build on.
#[must_use]
pub fn quiet() -> CreateReply {
    CreateReply::default().allowed_mentions(serenity::CreateAllowedMentions::new())
}

/// Replies with `embed`, visible to everyone.
///
/// # Errors
/// When Discord refuses the reply.
pub async fn embed(ctx: Context<'_>, embed: serenity::CreateEmbed) -> Result<(), CommandError> {
    ctx.send(quiet().embed(embed)).await?;
    Ok(())
}

/// Replies with `text`, visible to everyone; returns the reply so the caller can react to it.
///
/// # Errors
/// When Discord refuses the reply.
pub async fn text(ctx: Context<'_>, text: String) -> Result<poise::ReplyHandle<'_>, CommandError> {
    Ok(ctx.send(quiet().content(text)).await?)
}
