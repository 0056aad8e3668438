//! The Discord side of the weekly recap: makes the recaps that are due (from the sweeper's
//! minute tick), each once per server and week whatever restarts or shards do, and builds the
//! recap message — an embed with the week's numbers and the week's messages chart — for the
//! post and for /recap preview.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::charts::messages::messages;
use crate::community::recap::{self, Due};
use crate::discord::reply;
use crate::domain::ids::GuildId;
use crate::domain::recap::{text, Week, WeekNumbers};
use crate::store::StoreError;

/// The recap of a week, ready to send.
pub struct Recap {
    /// The numbers beside the week before.
    pub embed: serenity::CreateEmbed,
    /// The week's messages per day, when anything was posted.
    pub chart: Option<serenity::CreateAttachment>,
}

/// Builds the recap of `week` for `guild`, on the server's clock `tz`.
///
/// # Errors
/// When the store fails.
pub async fn build(app: &App, guild: GuildId, week: &Week, tz: Tz) -> Result<Recap, StoreError> {
    let (this, before) = recap::week_and_before(app.store.as_ref(), guild, week, tz).await?;
    let title = format!(
        "Weekly recap — {} to {}",
        local_day(week.start, tz),
        local_day(week.end, tz)
    );
    let chart = chart(&this, &title).await;
    let mut embed = serenity::CreateEmbed::new()
        .title(title)
        .description(text(&this, &before))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "Beside the week before · times on the server's clock ({})",
            tz.name()
        )));
    if chart.is_some() {
        embed = embed.image(format!("attachment://{CHART_FILE}"));
    }
    Ok(Recap { embed, chart })
}

const CHART_FILE: &str = "recap-messages.png";

/// The week's messages per day, drawn off the async runtime; `None` when nothing was posted or
/// the drawing failed (the recap goes out without it).
async fn chart(week: &WeekNumbers, title: &str) -> Option<serenity::CreateAttachment> {
    let chart = recap::messages_chart(week, title)?;
    match tokio::task::spawn_blocking(move || messages(&chart)).await {
        Ok(Ok(png)) => Some(serenity::CreateAttachment::bytes(png, CHART_FILE)),
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not draw the recap's chart");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "the recap's chart task failed");
            None
        }
    }
}

fn local_day(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", local.format("%a %b"), local.day())
}

/// Makes every recap due now, each once: claimed in the store first, given back when Discord
/// refused the post so the next pass tries again.
pub async fn post_due(http: &serenity::Http, app: &App) {
    let now = app.schedules.now();
    let due = match recap::due(app.store.as_ref(), now).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not look for weekly recaps due; trying again in a minute");
            return;
        }
    };
    for due in due {
        if let Err(error) = post(http, app, &due, now).await {
            tracing::warn!(%error, guild = %due.guild, "could not make the weekly recap; trying again in a minute");
        }
    }
}

async fn post(
    http: &serenity::Http,
    app: &App,
    due: &Due,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let store = app.store.as_ref();
    if !store.claim_recap(due.guild, due.week.day, now).await? {
        return Ok(());
    }
    let recap = match build(app, due.guild, &due.week, due.tz).await {
        Ok(recap) => recap,
        Err(error) => {
            store.unclaim_recap(due.guild, due.week.day).await?;
            return Err(error);
        }
    };
    // Discord drops a repeated enforced nonce: a post whose answer was lost is not made twice.
    let nonce = format!("r{:x}{}", due.guild.0, due.week.day.format("%y%m%d"));
    let mut message = reply::channel_message()
        .embed(recap.embed)
        .nonce(serenity::Nonce::String(nonce))
        .enforce_nonce(true);
    if let Some(chart) = recap.chart {
        message = message.add_file(chart);
    }
    let channel = serenity::ChannelId::new(due.settings.channel_id.0.max(1));
    match channel.send_message(http, message).await {
        Ok(posted) => {
            tracing::info!(guild = %due.guild, day = %due.week.day, "made the weekly recap");
            store
                .recap_posted(due.guild, due.week.day, posted.id.get())
                .await
        }
        Err(error) => {
            tracing::warn!(%error, guild = %due.guild, "Discord refused the weekly recap");
            store.unclaim_recap(due.guild, due.week.day).await
        }
    }
}
