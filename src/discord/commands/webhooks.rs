//! /webhooks: managers send the server's events to their own tools — add a URL (its signing
//! secret is shown once), list hooks with their state, remove one, resume a paused one, send a
//! test delivery.

use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::ids::ChannelId;
use crate::domain::webhooks::{Event, Events, DELIVERY_HEADER, SIGNATURE_HEADER};
use crate::webhooks::{AddError, Ping};

/// The events a hook can follow, as the option offers them.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum EventChoice {
    /// Every event.
    #[name = "everything"]
    All,
    /// Kills and team kills tracked.
    #[name = "kill tracked"]
    KillTracked,
    /// Sessions ended.
    #[name = "session ended"]
    SessionEnded,
    /// Achievements unlocked.
    #[name = "achievement unlocked"]
    AchievementUnlocked,
    /// Tournament results.
    #[name = "tournament result"]
    TournamentResult,
    /// The daily schedule post.
    #[name = "daily schedule posted"]
    SchedulePosted,
}

impl From<EventChoice> for Events {
    fn from(choice: EventChoice) -> Self {
        let only = match choice {
            EventChoice::All => return Self::all(),
            EventChoice::KillTracked => Event::KillTracked,
            EventChoice::SessionEnded => Event::SessionEnded,
            EventChoice::AchievementUnlocked => Event::AchievementUnlocked,
            EventChoice::TournamentResult => Event::TournamentResult,
            EventChoice::SchedulePosted => Event::SchedulePosted,
        };
        Self::only(only)
    }
}

/// Send this server's events to your own tools as signed JSON (managers only).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("add", "list", "remove", "resume", "test"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn webhooks(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Send events to a URL; its signing secret is shown once.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Where to send them: an https:// URL"]
    #[max_length = 2000]
    url: String,
    #[description = "Which events (default: everything)"] events: Option<EventChoice>,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    // Resolving the host can take a moment.
    reply::defer_as(ctx, true).await?;
    let events = events.map_or_else(Events::all, Events::from);
    let channel = ChannelId(ctx.channel_id().get());
    let added = match ctx.data().webhooks.add(guild, &url, events, channel).await {
        Ok(added) => added,
        Err(AddError::Store(error)) => return Err(error.into()),
        Err(refused) => return Err(CommandError::user(format!("{refused}."))),
    };
    let text = format!(
        "Webhook {id} added: it receives {events}.\n\
         Its signing secret, shown this once: ||`{secret}`||\n\
         Each delivery is a JSON POST with `{SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of the body \
         with this secret>` and `{DELIVERY_HEADER}` (the event id, to drop repeats). \
         Try it with /webhooks test {id}.",
        id = added.id,
        events = events.keys().join(", "),
        secret = added.secret.expose(),
    );
    reply::private_text(ctx, &text).await
}

/// This server's webhooks: what they receive, and whether deliveries are getting through.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let hooks = ctx.data().store.hooks(guild).await?;
    if hooks.is_empty() {
        return reply::private_text(ctx, "No webhook yet; add one with /webhooks add.").await;
    }
    let mut lines = Vec::new();
    for hook in &hooks {
        let state = if let Some(paused) = hook.paused_at {
            format!("⏸️ paused {} — /webhooks resume {}", render::timestamp(paused, 'R'), hook.id)
        } else if let Some(since) = hook.failing_since {
            format!(
                "⚠️ failing since {} ({} tries)",
                render::timestamp(since, 'R'),
                hook.failures
            )
        } else {
            "✅ healthy".to_owned()
        };
        let error = hook
            .last_error
            .as_deref()
            .filter(|_| hook.failures > 0)
            .map_or_else(String::new, |error| format!("\n   last error: {error}"));
        lines.push(format!(
            "**{}** <{}>\n   {} · {} delivered, {} waiting · {}{error}",
            hook.id,
            shorten(&hook.url, 120),
            hook.events.keys().join(", "),
            hook.delivered,
            hook.pending,
            state,
        ));
    }
    let text = render::within_a_message("Webhooks here:", &lines, "");
    reply::private_text(ctx, &text).await
}

/// Stop sending to a webhook and drop what waits for it.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The webhook's number, from /webhooks list"]
    #[min = 1]
    id: i64,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    if !ctx.data().store.remove_hook(guild, id).await? {
        return Err(no_such_hook(id));
    }
    reply::private_text(ctx, &format!("Webhook {id} removed.")).await
}

/// Resume a paused webhook: what waited for it is sent, oldest first.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "The webhook's number, from /webhooks list"]
    #[min = 1]
    id: i64,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let webhooks = &ctx.data().webhooks;
    if !ctx
        .data()
        .store
        .resume_hook(guild, id, webhooks.now())
        .await?
    {
        return Err(no_such_hook(id));
    }
    webhooks.wake();
    reply::private_text(
        ctx,
        &format!("Webhook {id} resumed; what waited for it is on its way."),
    )
    .await
}

/// Send a test delivery (event `ping`) to a webhook.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn test(
    ctx: Context<'_>,
    #[description = "The webhook's number, from /webhooks list"]
    #[min = 1]
    id: i64,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    match ctx.data().webhooks.ping(guild, id).await? {
        Ping::Queued => {}
        Ping::NoSuchHook => return Err(no_such_hook(id)),
        Ping::Paused => {
            return Err(CommandError::user(format!(
                "Webhook {id} is paused: nothing is sent to it until /webhooks resume {id}."
            )))
        }
    }
    reply::private_text(
        ctx,
        &format!("A test delivery to webhook {id} is on its way; /webhooks list shows how it went."),
    )
    .await
}

fn no_such_hook(id: i64) -> CommandError {
    CommandError::user(format!(
        "This server has no webhook {id}; /webhooks list shows their numbers."
    ))
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(limit - 1).collect();
        short.push('…');
        short
    }
}
