//! The daily post's side of Discord: [`SerenityPosts`] implements the service's
//! [`PostChannel`] over serenity's HTTP client and cache, and the gateway events the post cares
//! about (reactions, deleted messages, voice joins, a guild becoming available) are handed to
//! [`crate::schedule::Schedules`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use poise::serenity_prelude as serenity;
use tokio::time::Instant;

use crate::app::App;
use crate::discord::reply;
use crate::domain::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::schedule::{PortError, PostChannel, PostText, PostedMessage, Schedules};

/// The most users Discord lists per page of a reaction.
const REACTORS_PER_PAGE: u8 = 100;

/// How many of a channel's latest messages are searched for a post sent before a crash.
const LOOK_BACK: u8 = 50;

/// Discord lets a bot add one reaction per quarter second in a channel; the margin keeps two
/// requests sent a quarter second apart from arriving closer than that.
const REACTION_GAP: Duration = Duration::from_millis(300);

/// How long to wait after a 429 before trying again: longer than any window the refusal can come
/// from (the global one is a second), so a request is never refused twice in a row.
const AFTER_RATE_LIMIT: Duration = Duration::from_millis(1_100);

/// How often a refused request is tried again before the refusal is reported.
const RATE_LIMIT_RETRIES: u32 = 3;

/// [`PostChannel`] over serenity.
///
/// Reactions are paced at Discord's rate per channel, and a request refused with 429 waits and
/// tries again: serenity's own rate limiter does both against discord.com, but not against a
/// local Discord (it ignores the proxy base), and a bot sharing its token with other processes
/// can be refused either way.
pub struct SerenityPosts {
    http: Arc<serenity::Http>,
    cache: Arc<serenity::Cache>,
    last_reaction: Mutex<HashMap<ChannelId, Instant>>,
}

impl SerenityPosts {
    /// The channel for the client's HTTP and cache.
    #[must_use]
    pub fn new(http: Arc<serenity::Http>, cache: Arc<serenity::Cache>) -> Self {
        Self {
            http,
            cache,
            last_reaction: Mutex::default(),
        }
    }

    /// Waits until the channel may take another reaction, and books that slot.
    async fn pace_reaction(&self, channel: ChannelId) {
        let slot = {
            let mut last = self
                .last_reaction
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = last
                .get(&channel)
                .map_or(now, |previous| (*previous + REACTION_GAP).max(now));
            last.insert(channel, slot);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Whether Discord refused the request for going too fast.
fn rate_limited(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 429
    )
}

/// Runs `call`, trying again after a pause when Discord answers 429.
async fn patiently<T, F, Fut>(mut call: F) -> Result<T, PortError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut retries = 0;
    loop {
        match call().await {
            Err(error) if rate_limited(&error) && retries < RATE_LIMIT_RETRIES => {
                retries += 1;
                tracing::debug!("Discord asked the bot to slow down; trying again shortly");
                tokio::time::sleep(AFTER_RATE_LIMIT).await;
            }
            result => return result.map_err(|error| port_error(&error)),
        }
    }
}

fn channel_of(channel: ChannelId) -> serenity::ChannelId {
    serenity::ChannelId::new(channel.0.max(1))
}

fn message_of(message: MessageId) -> serenity::MessageId {
    serenity::MessageId::new(message.0.max(1))
}

fn embed(text: &PostText) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(&text.title)
        .description(&text.description)
        .colour(crate::discord::render::COLOUR)
}

/// What Discord's refusal means for the post.
fn port_error(error: &serenity::Error) -> PortError {
    if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) = error {
        match response.status_code.as_u16() {
            404 => return PortError::Gone,
            403 => {
                return PortError::Forbidden(
                    "the bot may not post, react or read history in the channel".to_owned(),
                )
            }
            _ => {}
        }
    }
    PortError::Failed(error.to_string())
}

#[async_trait]
impl PostChannel for SerenityPosts {
    fn serves(&self, guild: GuildId) -> bool {
        self.cache
            .guild(serenity::GuildId::new(guild.0.max(1)))
            .is_some()
    }

    async fn send(
        &self,
        channel: ChannelId,
        nonce: &str,
        text: &PostText,
    ) -> Result<MessageId, PortError> {
        let sent = patiently(|| {
            let message = reply::channel_message()
                .embed(embed(text))
                .nonce(serenity::Nonce::String(nonce.to_owned()))
                .enforce_nonce(true);
            channel_of(channel).send_message(&self.http, message)
        })
        .await?;
        // Discord answers a repeated nonce with the message it made first, wherever that is.
        if sent.channel_id.get() != channel.0 {
            return Err(PortError::Failed(format!(
                "Discord answered with a message in channel {} for nonce {nonce}",
                sent.channel_id
            )));
        }
        Ok(MessageId(sent.id.get()))
    }

    async fn edit(
        &self,
        channel: ChannelId,
        message: MessageId,
        text: &PostText,
    ) -> Result<(), PortError> {
        patiently(|| {
            channel_of(channel).edit_message(
                &self.http,
                message_of(message),
                reply::message_edit().embed(embed(text)),
            )
        })
        .await
        .map(drop)
    }

    async fn react(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), PortError> {
        let reaction = serenity::ReactionType::Unicode(emoji.to_owned());
        patiently(|| async {
            self.pace_reaction(channel).await;
            self.http
                .create_reaction(channel_of(channel), message_of(message), &reaction)
                .await
        })
        .await
    }

    async fn fetch(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<PostedMessage, PortError> {
        let found = patiently(|| {
            self.http
                .get_message(channel_of(channel), message_of(message))
        })
        .await?;
        Ok(PostedMessage {
            own_reactions: found
                .reactions
                .iter()
                .filter(|reaction| reaction.me)
                .filter_map(|reaction| match &reaction.reaction_type {
                    serenity::ReactionType::Unicode(emoji) => Some(emoji.clone()),
                    _ => None,
                })
                .collect(),
        })
    }

    async fn find_own(
        &self,
        channel: ChannelId,
        title: &str,
    ) -> Result<Option<MessageId>, PortError> {
        let me = self.cache.current_user().id;
        let latest = patiently(|| {
            channel_of(channel).messages(&self.http, serenity::GetMessages::new().limit(LOOK_BACK))
        })
        .await?;
        Ok(latest
            .iter()
            .find(|message| {
                message.author.id == me
                    && message
                        .embeds
                        .first()
                        .is_some_and(|embed| embed.title.as_deref() == Some(title))
            })
            .map(|message| MessageId(message.id.get())))
    }

    async fn reactors(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<Vec<UserId>, PortError> {
        let reaction = serenity::ReactionType::Unicode(emoji.to_owned());
        let mut users = Vec::new();
        let mut after = None;
        loop {
            let page = patiently(|| {
                self.http.get_reaction_users(
                    channel_of(channel),
                    message_of(message),
                    &reaction,
                    REACTORS_PER_PAGE,
                    after,
                )
            })
            .await?;
            let full = page.len() == usize::from(REACTORS_PER_PAGE);
            after = page.last().map(|user| user.id.get());
            users.extend(
                page.iter()
                    .filter(|user| !user.bot)
                    .map(|user| UserId(user.id.get())),
            );
            if !full {
                return Ok(users);
            }
        }
    }
}

/// A reaction on a message: when it is a day's post, the member's mark at that hour follows it.
/// Bots (the bot's own reactions included) and other emojis change nothing.
pub async fn reaction(app: &Arc<App>, reaction: &serenity::Reaction, added: bool) {
    let (Some(guild), Some(user)) = (reaction.guild_id, reaction.user_id) else {
        return;
    };
    if reaction
        .member
        .as_ref()
        .is_some_and(|member| member.user.bot)
    {
        return;
    }
    let serenity::ReactionType::Unicode(emoji) = &reaction.emoji else {
        return;
    };
    let result = app
        .schedules
        .reaction(
            GuildId(guild.get()),
            MessageId(reaction.message_id.get()),
            UserId(user.get()),
            emoji,
            added,
        )
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, guild = guild.get(), "could not record a reaction on the daily post");
    }
}

/// A message was deleted: when it was a day's post, it is not posted again that day.
pub async fn message_deleted(
    app: &App,
    guild: Option<serenity::GuildId>,
    message: serenity::MessageId,
) {
    let Some(guild) = guild else { return };
    let result = app
        .schedules
        .message_deleted(GuildId(guild.get()), MessageId(message.get()))
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, guild = guild.get(), "could not record a deleted message");
    }
}

/// A guild became available: its day is brought up to date in the background, so the event
/// handler does not wait on Discord.
pub fn guild_available(app: &Arc<App>, guild: serenity::GuildId) {
    let app = Arc::clone(app);
    tokio::spawn(async move {
        if let Err(error) = app.schedules.reconcile(GuildId(guild.get())).await {
            tracing::warn!(%error, guild = guild.get(), "could not bring the daily post up to date");
        }
    });
}

/// A member joined a voice channel that is not the AFK one: added to the current hour.
pub fn voice_joined(schedules: &Arc<Schedules>, guild: GuildId, user: UserId) {
    let schedules = Arc::clone(schedules);
    tokio::spawn(async move {
        if let Err(error) = schedules.voice_joined(guild, user).await {
            tracing::warn!(%error, guild = %guild, "could not add a voice join to the daily post");
        }
    });
}
