//! Gateway events that become community activity: messages, reactions, command use, voice and
//! invites. Counters go to the ingest pipeline (never waiting on the database); voice goes to the
//! voice log (written at once, in order); invites are kept current so each join can be
//! attributed to the invite whose use count rose. Joins, departures and presence are in
//! [`members`](crate::discord::members).
//!
//! Bots are never recorded, nor members who opted out of tracking.

use std::collections::HashMap;
use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::FullEvent;

use crate::app::App;
use crate::domain::activity::{emojis_in, hour_of, ActivityEvent, AppKey, EmojiKey, MessageKey};
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::ingest::voice::VoiceOp;
use crate::store::activity::{InviteRecord, VoiceFlags};

/// Records what `event` says about the community's activity.
pub async fn record(ctx: &serenity::Context, app: &Arc<App>, event: &FullEvent) {
    match event {
        FullEvent::Ready { data_about_bot } => {
            let shard = data_about_bot.shard.map_or(0, |shard| shard.id.0);
            app.keep_heartbeat(shard);
        }
        FullEvent::Message { new_message } => message(ctx, app, new_message).await,
        FullEvent::ReactionAdd { add_reaction } => reaction(ctx, app, add_reaction, true).await,
        FullEvent::ReactionRemove { removed_reaction } => {
            reaction(ctx, app, removed_reaction, false).await;
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Command(command),
        } => own_command(ctx, app, command).await,
        FullEvent::VoiceStateUpdate { old, new } => voice(ctx, app, old.as_ref(), new),
        _ => {}
    }
}

pub(crate) fn tracked(app: &App, guild: GuildId, user: UserId, is_bot: bool) -> bool {
    !is_bot && !app.telemetry.is_opted_out(guild, user)
}

async fn message(ctx: &serenity::Context, app: &App, message: &serenity::Message) {
    let Some(guild) = message.guild_id.map(|guild| GuildId(guild.get())) else {
        return;
    };
    // A command another app answered: count the command for the member who ran it. Only the
    // older `interaction` field names the command; `interaction_metadata` does not.
    #[expect(deprecated, reason = "interaction_metadata carries no command name")]
    let interaction = message.interaction.as_deref();
    if let Some(interaction) = interaction {
        let user = UserId(interaction.user.id.get());
        if tracked(app, guild, user, interaction.user.bot)
            && app.telemetry.first_sight_of_message(message.id.get())
        {
            let application = message
                .application_id
                .map_or(message.author.id.get(), serenity::ApplicationId::get);
            app.ingest
                .record(ActivityEvent::AppCommand {
                    key: AppKey {
                        guild_id: guild,
                        application_id: application,
                        command: interaction.name.clone(),
                        user_id: user,
                        hour: hour_of(app.now()),
                    },
                })
                .await;
        }
        return;
    }
    let author = UserId(message.author.id.get());
    if message.webhook_id.is_some() || !tracked(app, guild, author, message.author.bot) {
        return;
    }
    if !app.telemetry.first_sight_of_message(message.id.get()) {
        return;
    }
    // Discord's own time for the message, read on the bot's clock (the same instant unless a
    // test or the demo runs the clock shifted or fast).
    let at = app.clock.at(*message.timestamp);
    let hour = hour_of(at);
    // Messages in a thread count for the thread's channel, marked as in a thread.
    let thread_parent = message.guild_id.and_then(|guild_id| {
        ctx.cache.guild(guild_id).and_then(|cached| {
            cached
                .threads
                .iter()
                .find(|thread| thread.id == message.channel_id)
                .and_then(|thread| thread.parent_id)
        })
    });
    let in_thread = thread_parent.is_some();
    let channel = thread_parent.unwrap_or(message.channel_id);
    app.ingest
        .record(ActivityEvent::Message {
            key: MessageKey {
                guild_id: guild,
                channel_id: ChannelId(channel.get()),
                user_id: author,
                hour,
            },
            with_attachment: !message.attachments.is_empty(),
            reply: message.message_reference.is_some()
                && message.kind == serenity::MessageType::InlineReply,
            in_thread,
        })
        .await;
    if app.config.message_content_intent {
        for (emoji, count) in emojis_in(&message.content) {
            app.ingest
                .record(ActivityEvent::EmojisInMessage {
                    key: EmojiKey {
                        guild_id: guild,
                        emoji,
                        user_id: author,
                        hour,
                    },
                    count,
                })
                .await;
        }
    }
}

async fn reaction(ctx: &serenity::Context, app: &App, reaction: &serenity::Reaction, added: bool) {
    let (Some(guild), Some(user)) = (reaction.guild_id, reaction.user_id) else {
        return;
    };
    let is_bot = match &reaction.member {
        Some(member) => member.user.bot,
        None => ctx.cache.user(user).is_some_and(|cached| cached.bot),
    };
    let (guild, user) = (GuildId(guild.get()), UserId(user.get()));
    if !tracked(app, guild, user, is_bot) {
        return;
    }
    let emoji = match &reaction.emoji {
        serenity::ReactionType::Unicode(text) => text.clone(),
        serenity::ReactionType::Custom { id, name, .. } => {
            format!("{}:{}", name.as_deref().unwrap_or("emoji"), id.get())
        }
        _ => return,
    };
    app.ingest
        .record(ActivityEvent::Reaction {
            key: EmojiKey {
                guild_id: guild,
                emoji,
                user_id: user,
                hour: hour_of(app.now()),
            },
            added,
        })
        .await;
}

async fn own_command(ctx: &serenity::Context, app: &App, command: &serenity::CommandInteraction) {
    // Only guilds the bot is in: anyone can forge an interaction for any guild id.
    let Some(guild_id) = command
        .guild_id
        .filter(|guild| ctx.cache.guild(*guild).is_some())
    else {
        return;
    };
    let guild = GuildId(guild_id.get());
    let user = UserId(command.user.id.get());
    if !tracked(app, guild, user, command.user.bot) {
        return;
    }
    // The full name as typed: `session start`, `config games add`.
    let mut name = command.data.name.clone();
    let mut options = &command.data.options;
    while let Some(option) = options.first() {
        match &option.value {
            serenity::CommandDataOptionValue::SubCommand(inner)
            | serenity::CommandDataOptionValue::SubCommandGroup(inner) => {
                name.push(' ');
                name.push_str(&option.name);
                options = inner;
            }
            _ => break,
        }
    }
    app.ingest
        .record(ActivityEvent::AppCommand {
            key: AppKey {
                guild_id: guild,
                application_id: command.application_id.get(),
                command: name,
                user_id: user,
                hour: hour_of(app.now()),
            },
        })
        .await;
}

fn flags_of(state: &serenity::VoiceState) -> VoiceFlags {
    VoiceFlags {
        self_mute: state.self_mute,
        self_deaf: state.self_deaf,
        mute: state.mute,
        deaf: state.deaf,
        streaming: state.self_stream.unwrap_or(false),
        video: state.self_video,
    }
}

fn afk_channel(ctx: &serenity::Context, guild: serenity::GuildId) -> Option<ChannelId> {
    ctx.cache.guild(guild).and_then(|guild| {
        guild
            .afk_metadata
            .as_ref()
            .map(|afk| ChannelId(afk.afk_channel_id.get()))
    })
}

fn voice(
    ctx: &serenity::Context,
    app: &App,
    old: Option<&serenity::VoiceState>,
    new: &serenity::VoiceState,
) {
    let Some(guild_id) = new.guild_id else { return };
    let is_bot = new.member.as_ref().map_or_else(
        || ctx.cache.user(new.user_id).is_some_and(|user| user.bot),
        |member| member.user.bot,
    );
    let (guild, user) = (GuildId(guild_id.get()), UserId(new.user_id.get()));
    if !tracked(app, guild, user, is_bot) {
        return;
    }
    if old.is_some_and(|old| old.channel_id == new.channel_id && flags_of(old) == flags_of(new)) {
        return;
    }
    // The cache holds the member's latest state: this event's, or a later one's if this task
    // runs late (see `VoiceOp::Now`).
    let latest = ctx
        .cache
        .guild(guild_id)
        .map(|cached| cached.voice_states.get(&new.user_id).cloned());
    let state = match latest {
        Some(Some(state)) => state,
        // Left voice: the cache drops the state.
        Some(None) => {
            let mut left = new.clone();
            left.channel_id = None;
            left
        }
        None => new.clone(),
    };
    let channel = state.channel_id.map(|channel| {
        let channel = ChannelId(channel.get());
        (channel, afk_channel(ctx, guild_id) == Some(channel))
    });
    let joined = channel.is_some_and(|(now_in, afk)| {
        !afk && old
            .and_then(|old| old.channel_id)
            .map(|was| ChannelId(was.get()))
            != Some(now_in)
    });
    if joined {
        crate::discord::schedule::voice_joined(&app.schedules, guild, user);
    }
    app.voice.record(VoiceOp::Now {
        shard: ctx.shard_id.0,
        guild_id: guild,
        user_id: user,
        channel,
        flags: flags_of(&state),
        at: app.now(),
    });
}

fn invite_record(invite: &serenity::RichInvite) -> InviteRecord {
    InviteRecord {
        code: invite.code.clone(),
        inviter_id: invite.inviter.as_ref().map(|user| UserId(user.id.get())),
        channel_id: Some(ChannelId(invite.channel.id.get())),
        uses: invite.uses,
        max_uses: u64::from(invite.max_uses),
        created_at: Some(*invite.created_at),
    }
}

/// Reads the guild's invites from Discord; `None` (noted once) when the bot may not.
pub(crate) async fn fetch_invites(
    ctx: &serenity::Context,
    app: &App,
    guild: serenity::GuildId,
) -> Option<Vec<InviteRecord>> {
    match guild.invites(&ctx.http).await {
        Ok(invites) => {
            app.telemetry
                .note_invites_readable(GuildId(guild.get()), true);
            Some(invites.iter().map(invite_record).collect())
        }
        Err(error) => {
            if app
                .telemetry
                .note_invites_readable(GuildId(guild.get()), false)
            {
                tracing::warn!(
                    guild = guild.get(),
                    %error,
                    "cannot read this server's invites (the bot needs Manage Server): joins will be recorded without their invite"
                );
            }
            None
        }
    }
}

/// The tracked members in voice in `guild`, with their channel and flags.
fn in_voice(app: &App, guild: &serenity::Guild) -> HashMap<UserId, (ChannelId, VoiceFlags)> {
    let guild_id = GuildId(guild.id.get());
    guild
        .voice_states
        .values()
        .filter_map(|state| {
            let channel = state.channel_id?;
            let user = UserId(state.user_id.get());
            let is_bot = guild
                .members
                .get(&state.user_id)
                .is_some_and(|member| member.user.bot);
            tracked(app, guild_id, user, is_bot)
                .then(|| (user, (ChannelId(channel.get()), flags_of(state))))
        })
        .collect()
}

/// What a guild's arrival means for activity: its opt-outs, the voice states Discord sent
/// (reconciled with the store), and its invites.
pub(crate) async fn guild_available(ctx: &serenity::Context, app: &App, guild: &serenity::Guild) {
    let guild_id = GuildId(guild.id.get());
    match app.store.opted_out_members(guild_id).await {
        Ok(users) => app.telemetry.set_opted_out(guild_id, &users),
        Err(error) => tracing::warn!(%error, guild = %guild_id, "could not load tracking opt-outs"),
    }
    let afk = guild
        .afk_metadata
        .as_ref()
        .map(|afk| ChannelId(afk.afk_channel_id.get()));
    // Who is in voice *now*, from the cache (updated in gateway order) rather than from this
    // event: this handler may run after voice events that came later, and the voice log must
    // end in the latest state, as it does for those events.
    let present = match ctx.cache.guild(guild.id) {
        Some(cached) => in_voice(app, &cached),
        None => in_voice(app, guild),
    };
    app.voice.record(VoiceOp::Reconcile {
        guild_id,
        shard: ctx.shard_id.0,
        present,
        afk_channel: afk,
        at: app.now(),
    });
    if let Some(invites) = fetch_invites(ctx, app, guild.id).await {
        if let Err(error) = app.membership.sync_invites(guild_id, &invites).await {
            tracing::warn!(%error, guild = %guild_id, "could not store the server's invites");
        }
    }
}
