//! The Discord side of achievements: announcing badges won, granting and taking back the roles
//! milestones reward, checking the bot may manage such a role, and the voice pass that checks
//! voice milestones of members whose stays closed since the last pass.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::discord::{render, reply};
use crate::domain::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::domain::webhooks::Event;
use crate::squad::achievements::{self, Changes};
use crate::webhooks::{payload, Webhooks};

/// How often the voice pass looks for stays closed since the last one.
const VOICE_PASS_EVERY: Duration = Duration::from_secs(600);

/// In the background, after a /track or an /untrack: tells the server's webhooks about the
/// entry (`event`), then checks `player`'s kill milestones, announces what was won in the
/// server's channel or `happened_in`, and grants or takes back roles. Never delays the command's
/// answer; the webhook event is queued before any badge it caused.
pub fn after_ledger_change(
    http: Arc<serenity::Http>,
    app: Arc<App>,
    (guild, player, happened_in): (GuildId, UserId, Option<ChannelId>),
    event: Option<(Event, serde_json::Value)>,
) {
    tokio::spawn(async move {
        if let Some((event, data)) = event {
            app.webhooks.publish(guild, event, data).await;
        }
        match achievements::check_ledger(app.store.as_ref(), guild, player, app.now()).await {
            Ok(changes) => follow_up(&http, &app.webhooks, &changes, happened_in).await,
            Err(error) => {
                tracing::warn!(%error, guild = %guild, "could not check achievements");
            }
        }
    });
}

/// Announces the badges `changes` won (once, in the server's channel or else `happened_in`, and
/// to the server's webhooks) and grants or takes back their roles. Failures are logged: the
/// badges are recorded already.
pub async fn follow_up(
    http: &serenity::Http,
    webhooks: &Webhooks,
    changes: &Changes,
    happened_in: Option<ChannelId>,
) {
    if changes.is_empty() {
        return;
    }
    for milestone in &changes.unlocked {
        let data = payload::achievement_unlocked(changes.user_id, milestone);
        webhooks
            .publish(changes.guild_id, Event::AchievementUnlocked, data)
            .await;
    }
    let guild = serenity::GuildId::new(changes.guild_id.0.max(1));
    let user = serenity::UserId::new(changes.user_id.0.max(1));
    for (milestone, grant) in changes
        .unlocked
        .iter()
        .map(|milestone| (milestone, true))
        .chain(changes.revoked.iter().map(|milestone| (milestone, false)))
    {
        let Some(RoleId(role)) = changes.settings.reward(&milestone.key) else {
            continue;
        };
        let role = serenity::RoleId::new(role.max(1));
        let reason = format!("achievement: {}", milestone.name);
        let done = if grant {
            http.add_member_role(guild, user, role, Some(&reason)).await
        } else {
            http.remove_member_role(guild, user, role, Some(&reason))
                .await
        };
        if let Err(error) = done {
            tracing::warn!(%error, guild = %changes.guild_id, milestone = %milestone.key, grant, "could not change an achievement's role; check /achievements list");
        }
    }
    if changes.unlocked.is_empty() {
        return;
    }
    let Some(channel) = changes.settings.channel_id.or(happened_in) else {
        return;
    };
    let badges: Vec<String> = changes
        .unlocked
        .iter()
        .map(crate::domain::achievements::Milestone::badge)
        .collect();
    let text = format!(
        "🏅 {} unlocked {}!",
        render::mention(changes.user_id),
        badges.join(", ")
    );
    let message = reply::channel_message().content(text);
    if let Err(error) = serenity::ChannelId::new(channel.0.max(1))
        .send_message(http, message)
        .await
    {
        tracing::warn!(%error, guild = %changes.guild_id, "could not announce an achievement");
    }
}

/// Why the bot cannot grant `role` in the guild, from the cache; `None` when it can (or the
/// cache cannot tell, in which case the grant itself will say).
#[must_use]
pub fn role_problem(
    cache: &serenity::Cache,
    guild: serenity::GuildId,
    role: serenity::RoleId,
) -> Option<String> {
    let bot = cache.current_user().id;
    let guild = cache.guild(guild)?;
    let Some(wanted) = guild.roles.get(&role) else {
        return Some("That role is not in this server.".to_owned());
    };
    if role.get() == guild.id.get() {
        return Some("@everyone cannot be a reward.".to_owned());
    }
    if wanted.managed {
        return Some(format!(
            "{} belongs to an integration; Discord does not let bots give it.",
            wanted.name
        ));
    }
    let member = guild.members.get(&bot)?;
    if !guild.member_permissions(member).manage_roles() {
        return Some(
            "I need the **Manage Roles** permission to give rewards; grant it to my role."
                .to_owned(),
        );
    }
    let highest = member
        .roles
        .iter()
        .filter_map(|id| guild.roles.get(id))
        .map(|role| role.position)
        .max()
        .unwrap_or(0);
    (wanted.position >= highest).then(|| {
        format!(
            "{} is above my highest role; move my role above it in Server Settings → Roles.",
            wanted.name
        )
    })
}

/// Starts the voice pass: every ten minutes, the voice milestones of every member whose stay
/// closed since the last pass are checked and what they won is announced in the server's
/// channel. Hand it to [`App::keep_task`].
#[must_use]
pub fn spawn_voice_pass(http: Arc<serenity::Http>, app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let stopped = app.stopped();
        tokio::pin!(stopped);
        // The first pass after a start looks back a week, so nothing closed while the bot was
        // down is missed.
        let mut since = app.now() - chrono::Duration::days(7);
        loop {
            let started = app.now();
            match voice_pass(&http, &app, since).await {
                Ok(()) => since = started,
                Err(error) => {
                    tracing::warn!(%error, "the achievements voice pass failed; retrying at the next");
                }
            }
            tokio::select! {
                () = &mut stopped => return,
                () = tokio::time::sleep(VOICE_PASS_EVERY) => {}
            }
        }
    })
}

async fn voice_pass(
    http: &serenity::Http,
    app: &App,
    since: chrono::DateTime<Utc>,
) -> Result<(), crate::store::StoreError> {
    for (guild, user) in app.store.voice_closed_since(since).await? {
        let changes = achievements::check_voice(app.store.as_ref(), guild, user, app.now()).await?;
        follow_up(http, &app.webhooks, &changes, None).await;
    }
    Ok(())
}
