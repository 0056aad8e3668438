//! /recap: the weekly recap post — set it up (channel, day and hour on the server's clock),
//! stop it, and preview the seven days up to now.

use chrono::Weekday;
use poise::serenity_prelude as serenity;

use crate::community::recap::server_zone;
use crate::discord::recap::build;
use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::ChannelId;
use crate::domain::recap::{RecapTime, Week};
use crate::domain::zones;
use crate::store::recap::RecapSettings;

/// A day of the week, as the option offers it.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum Day {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<Day> for Weekday {
    fn from(day: Day) -> Self {
        match day {
            Day::Monday => Self::Mon,
            Day::Tuesday => Self::Tue,
            Day::Wednesday => Self::Wed,
            Day::Thursday => Self::Thu,
            Day::Friday => Self::Fri,
            Day::Saturday => Self::Sat,
            Day::Sunday => Self::Sun,
        }
    }
}

/// A weekly post with the week's numbers beside the week before.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("setup", "stop", "preview"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn recap(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Post a recap every week: the channel, the day and the hour (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "Where the recap goes"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
    #[description = "The day, on the server's clock"] day: Day,
    #[description = "The hour (0–23), on the server's clock"]
    #[min = 0]
    #[max = 23]
    hour: i64,
    #[description = "The server's time zone, like Europe/Paris (default: as before, or UTC)"]
    #[autocomplete = "crate::discord::commands::schedule::autocomplete_zone"]
    #[max_length = 64]
    timezone: Option<String>,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let store = ctx.data().store.as_ref();
    let zone = match timezone.as_deref() {
        Some(typed) => zones::parse_zone(typed).map_err(CommandError::User)?,
        None => server_zone(store, guild).await?,
    };
    let time = RecapTime::new(day.into(), hour, zone).map_err(CommandError::User)?;
    if channel.guild_id.get() != guild.0 {
        return Err(CommandError::user("That channel is not in this server."));
    }
    let needed = serenity::Permissions::VIEW_CHANNEL
        | serenity::Permissions::SEND_MESSAGES
        | serenity::Permissions::EMBED_LINKS
        | serenity::Permissions::ATTACH_FILES;
    if let Some(granted) = checks::bot_permissions_in(ctx, channel.id) {
        if !granted.contains(needed) {
            return Err(CommandError::user(format!(
                "I cannot post the recap in <#{}>: give me View Channel, Send Messages, Embed \
                 Links and Attach Files there, or pick another channel.",
                channel.id
            )));
        }
    }
    if timezone.is_some() {
        let mut settings = store.settings(guild).await?;
        settings.default_timezone = Some(zone.name().to_owned());
        store.save_settings(guild, &settings).await?;
    }
    let now = ctx.data().schedules.now();
    let settings = RecapSettings {
        channel_id: ChannelId(channel.id.get()),
        weekday: time.weekday,
        hour: time.hour,
        set_up_at: now,
    };
    store.save_recap_settings(guild, &settings).await?;
    let next = time.next(now);
    reply::private_text(
        ctx,
        &format!(
            "The weekly recap is set up in <#{}>: every {:?} at {:02}:00 ({}). First one: <t:{}:F>.",
            channel.id,
            day,
            time.hour,
            zone.name(),
            next.timestamp()
        ),
    )
    .await
}

/// Stop the weekly recap (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn stop(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let stopped = ctx.data().store.stop_recap(guild).await?;
    let text = if stopped {
        "The weekly recap is stopped."
    } else {
        "No weekly recap is set up here."
    };
    reply::private_text(ctx, text).await
}

/// The recap of the seven days up to now, shown only to you (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn preview(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    reply::defer_as(ctx, true).await?;
    let app = ctx.data();
    let zone = server_zone(app.store.as_ref(), guild).await?;
    let now = app.schedules.now();
    let week = Week::ending(now, now.with_timezone(&zone).date_naive());
    let recap = build(app, guild, &week, zone).await?;
    let mut answer = reply::private().embed(recap.embed);
    if let Some(chart) = recap.chart {
        answer = answer.attachment(chart);
    }
    reply::send(ctx, answer).await.map(drop)
}
