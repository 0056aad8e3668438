//! /track and /untrack: append to the kill ledger, and take an entry back out of every total.

use std::sync::Arc;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

use crate::discord::{achievements, checks, render, reply, CommandError, Context};
use crate::domain::access::check_undo;
use crate::app::App;
use crate::domain::ids::{ChannelId, InteractionId};
use crate::domain::kills::{check_victim, KillCount, KillKind, NewEntry, Note};
use crate::domain::reaction::ReactionEmoji;
use crate::store::records::DEFAULT_TRACK_REACTION;
use crate::store::squad::Recorded;
use crate::store::StoreError;
use crate::domain::webhooks::Event;
use crate::webhooks::payload;

/// Kill or team kill, as the /track option offers them.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum KindChoice {
    /// An enemy.
    #[name = "kill"]
    Kill,
    /// A teammate.
    #[name = "teamkill"]
    Teamkill,
}

impl From<KindChoice> for KillKind {
    fn from(choice: KindChoice) -> Self {
        match choice {
            KindChoice::Kill => Self::Kill,
            KindChoice::Teamkill => Self::Teamkill,
        }
    }
}

/// Record kills (or a team kill) for a squad member.
#[poise::command(slash_command, guild_only)]
pub async fn track(
    ctx: Context<'_>,
    #[description = "Who got the kills"] player: serenity::User,
    #[description = "How many (1 to 100)"]
    #[min = 1]
    #[max = 100]
    kills: i64,
    #[description = "Kill (default) or team kill"] kind: Option<KindChoice>,
    #[description = "For a team kill: the teammate who went down"] victim: Option<serenity::User>,
    #[description = "The game (default: the session's game)"]
    #[autocomplete = "checks::autocomplete_game"]
    game: Option<String>,
    #[description = "A note, up to 200 characters"]
    #[max_length = 200]
    note: Option<String>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let caller = checks::caller(ctx);
    let settings = app.store.settings(guild).await?;
    if !caller.may_track(settings.tracker_access, settings.admin_role_id) {
        return Err(CommandError::user(
            "This server only lets its trackers record kills; ask a manager for the tracker role.",
        ));
    }
    let player_id = checks::member_option(ctx, &player)?;
    let count = KillCount::parse(kills).map_err(CommandError::User)?;
    let kind: KillKind = kind.map_or(KillKind::Kill, Into::into);
    let victim_id = match &victim {
        Some(victim) => Some(checks::member_option(ctx, victim)?),
        None => None,
    };
    let victim_id = check_victim(kind, player_id, victim_id).map_err(CommandError::User)?;
    let note = Note::parse(note.as_deref().unwrap_or_default()).map_err(CommandError::User)?;
    let game = checks::game_option(ctx, guild, game.as_deref()).await?;
    let new = NewEntry {
        guild_id: guild,
        player_id,
        kind,
        count,
        victim_id,
        note,
        recorded_by: caller.user_id,
        recorded_at: app.now(),
        channel_id: ChannelId(ctx.channel_id().get()),
        game: game.map(|game| game.as_str().to_owned()),
        request_id: Some(InteractionId(ctx.id())),
    };
    let recorded = record_until_known(app, &new).await?;
    let replied = reply::text(ctx, render::tracked(&recorded)).await;
    // Whether or not the answer reached Discord, the entry is recorded: the server's webhooks
    // hear of it, then its achievements are checked, in that order.
    achievements::after_ledger_change(
        Arc::clone(&ctx.serenity_context().http),
        Arc::clone(app),
        (guild, player_id, Some(new.channel_id)),
        Some((Event::KillTracked, payload::ledger_entry(&recorded.entry))),
    );
    let reply = replied?;
    let emoji = settings
        .reaction_emoji
        .as_deref()
        .and_then(ReactionEmoji::from_key)
        .unwrap_or_else(|| ReactionEmoji::Unicode(DEFAULT_TRACK_REACTION.to_owned()));
    // The entry is recorded and the reply sent: a reaction that fails (a custom emoji deleted
    // since) is not worth an error to the user.
    match reply.message().await {
        Ok(message) => {
            if let Err(error) = message.react(ctx, render::reaction_type(&emoji)).await {
                tracing::warn!(%error, guild = %guild, "could not react to a /track reply");
            }
        }
        Err(error) => tracing::warn!(%error, "could not fetch the /track reply to react"),
    }
    Ok(())
}

/// How long /track keeps retrying an entry whose commit went unanswered before it tells the member
/// it cannot know: well inside the 15 minutes Discord keeps an interaction open for follow-ups.
const IN_DOUBT_RETRY_FOR: Duration = Duration::from_secs(10 * 60);

/// Records `new`, resolving a commit the database did not answer: the entry carries the
/// interaction's id, so recording it again finds it if the first attempt was kept and adds it
/// if not. The member is told "recorded" only once that is known; meanwhile the watchdog has
/// deferred the answer. A database that cannot be reached at all fails at once, since then
/// nothing was sent and nothing was recorded.
async fn record_until_known(app: &App, new: &NewEntry) -> Result<Recorded, CommandError> {
    let first = match app.boards.record(new).await {
        Ok(recorded) => return Ok(recorded),
        Err(StoreError::InDoubt(error)) => error,
        Err(other) => return Err(other.into()),
    };
    tracing::warn!(error = %first, guild = %new.guild_id, "a /track commit went unanswered; retrying until the database says whether it was kept");
    let started = Instant::now();
    let mut backoff = Duration::from_millis(250);
    loop {
        tokio::time::sleep(backoff).await;
        match app.boards.record(new).await {
            Ok(recorded) => return Ok(recorded),
            Err(StoreError::InDoubt(error) | StoreError::Unavailable(error)) => {
                if started.elapsed() >= IN_DOUBT_RETRY_FOR {
                    return Err(CommandError::InDoubt(error.to_string()));
                }
            }
            Err(other) => return Err(other.into()),
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Undo your last entry (within 15 minutes), or any entry by its id if you are a manager.
#[poise::command(slash_command, guild_only)]
pub async fn untrack(
    ctx: Context<'_>,
    #[description = "The entry's number from /history (default: your last entry)"]
    #[min = 1]
    entry: Option<i64>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let caller = checks::caller(ctx);
    let target = match entry {
        Some(id) if id < 1 => return Err(CommandError::user("Entry numbers start at 1.")),
        Some(id) => app.store.ledger_entry(guild, id).await?.ok_or_else(|| {
            CommandError::user(format!("There is no entry #{id} in this server."))
        })?,
        None => app
            .store
            .last_entry_by(guild, caller.user_id)
            .await?
            .ok_or_else(|| CommandError::user("You have no entry left to undo."))?,
    };
    let settings = app.store.settings(guild).await?;
    let is_manager = caller.is_manager(settings.admin_role_id);
    check_undo(&target, caller.user_id, is_manager, app.now()).map_err(CommandError::User)?;
    let undone = app
        .boards
        .undo(guild, target.id, caller.user_id)
        .await?
        .ok_or_else(|| CommandError::user(format!("Entry #{} is already undone.", target.id)))?;
    let replied = reply::text(ctx, render::untracked(&undone)).await;
    achievements::after_ledger_change(
        Arc::clone(&ctx.serenity_context().http),
        Arc::clone(app),
        (guild, undone.player_id, Some(undone.channel_id)),
        Some((Event::KillUndone, payload::ledger_entry(&undone))),
    );
    replied.map(drop)
}
