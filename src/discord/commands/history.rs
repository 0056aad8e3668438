//! /history: the ledger's latest entries with their numbers, paged with buttons.
//!
//! The buttons carry everything needed to draw their page in their custom id
//! (`history:{player or 0}:{before}`), so paging works after a restart and needs no state.

use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::ids::{GuildId, UserId};
use crate::store::StoreError;

/// Entries per page.
const PAGE: u32 = 20;

/// The custom-id prefix of the paging buttons.
pub const BUTTON_PREFIX: &str = "history:";

/// The last 20 ledger entries (with their numbers for /untrack), of one player or everyone.
#[poise::command(slash_command, guild_only)]
pub async fn history(
    ctx: Context<'_>,
    #[description = "Only this player's entries"] player: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let player = match &player {
        Some(user) => Some(checks::member_option(ctx, user)?),
        None => None,
    };
    let (embed, buttons) = page(ctx.data(), guild, player, None).await?;
    reply::send(ctx, reply::public().embed(embed).components(buttons))
        .await?;
    Ok(())
}

/// One page of history and its buttons.
///
/// # Errors
/// When the store fails.
pub async fn page(
    app: &App,
    guild: GuildId,
    player: Option<UserId>,
    before: Option<i64>,
) -> Result<(serenity::CreateEmbed, Vec<serenity::CreateActionRow>), StoreError> {
    let page = app.store.history(guild, player, before, PAGE).await?;
    let embed = render::history(&page.entries, player);
    let who = player.map_or(0, |player| player.0);
    let mut buttons = Vec::new();
    if before.is_some() {
        buttons.push(
            serenity::CreateButton::new(format!("{BUTTON_PREFIX}{who}:latest"))
                .label("Latest")
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    if let (true, Some(oldest)) = (page.has_older, page.entries.last()) {
        buttons.push(
            serenity::CreateButton::new(format!("{BUTTON_PREFIX}{who}:{}", oldest.id))
                .label("Older")
                .style(serenity::ButtonStyle::Primary),
        );
    }
    let rows = if buttons.is_empty() {
        Vec::new()
    } else {
        vec![serenity::CreateActionRow::Buttons(buttons)]
    };
    Ok((embed, rows))
}

/// Reads a paging button's custom id: the player (if any) and where the page ends.
#[must_use]
pub fn parse_button(custom_id: &str) -> Option<(Option<UserId>, Option<i64>)> {
    let rest = custom_id.strip_prefix(BUTTON_PREFIX)?;
    let (who, before) = rest.split_once(':')?;
    let who: u64 = who.parse().ok()?;
    let before = match before {
        "latest" => None,
        id => Some(id.parse::<i64>().ok().filter(|id| *id > 0)?),
    };
    Some(((who != 0).then_some(UserId(who)), before))
}

/// Answers a click on a paging button by redrawing the message. A button whose id does not
/// parse (forged) gets a private sentence; a page the store is slow to read is acknowledged
/// first, so the click never fails on the member's screen.
///
/// # Errors
/// When Discord refuses the answer.
pub async fn on_button(
    ctx: &serenity::Context,
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<(), CommandError> {
    let work = async {
        let (Some(guild), Some((player, before))) =
            (click.guild_id, parse_button(&click.data.custom_id))
        else {
            return Err(CommandError::user(
                crate::discord::events::STALE_COMPONENT_REPLY,
            ));
        };
        let (embed, rows) = page(app, GuildId(guild.get()), player, before).await?;
        Ok(reply::ClickUpdate {
            embed: Some(embed),
            rows,
            ..reply::ClickUpdate::default()
        })
    };
    reply::answer_click(ctx, click, "history button", work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_carry_the_player_and_the_page_end() {
        assert_eq!(parse_button("history:0:latest"), Some((None, None)));
        assert_eq!(
            parse_button("history:42:17"),
            Some((Some(UserId(42)), Some(17)))
        );
    }

    #[test]
    fn forged_button_ids_are_ignored() {
        for id in [
            "history:",
            "history:x:1",
            "history:1:-5",
            "history:1:abc",
            "other:1:2",
        ] {
            assert_eq!(parse_button(id), None, "{id}");
        }
    }
}
