//! Who plays when: the daily post, members' reactions and voice joins on it, and the scheduler
//! that makes each post once, on time, whatever restarts and reconnects happen.
//!
//! A guild's managers set up a channel, a local posting time, a window of hours and the posting
//! weekdays ([`Schedules::set_up`]). On each posting day the [scheduler](Schedules::spawn)
//! claims the day's post in the store, sends it with a nonce Discord enforces, and adds one
//! reaction per hour. Reactions ([`Schedules::reaction`]) and voice joins
//! ([`Schedules::voice_joined`]) are stored as marks and the post is re-rendered through
//! [coalesced edits](edits). When a guild becomes available ([`Schedules::reconcile`]), the day's
//! post is made if it is due and missing, or its reactions are re-read from Discord, so nothing
//! needs a manual step after downtime.
//!
//! Discord is reached through [`PostChannel`], which `discord/` implements; time comes from the
//! one injected [`Clock`].

mod board;
pub mod edits;
pub mod port;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

pub use edits::Edits;
pub use port::{PortError, PostChannel, PostText, PostedMessage};

use crate::clock::Clock;
use crate::domain::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::domain::schedule::{self as plan, PostPlan};
use crate::domain::webhooks::Event;
use crate::store::schedule::{PostRecord, PostState, ScheduleSettings, NOT_TODAY_SLOT};
use crate::store::{Store, StoreError};
use crate::webhooks::{payload, Webhooks};

/// The longest the scheduler sleeps between looks at the store: a guild set up meanwhile is
/// noticed at once (it wakes the scheduler), so this only bounds drift after a clock jump.
const LOOK_EVERY: Duration = Duration::from_secs(30);

/// How many guilds post at once when many are due together.
const POSTS_AT_ONCE: usize = 8;

/// How long a guild whose post failed waits before the scheduler tries again.
const RETRY_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A guild's daily post as set up, with its plan in the server's zone.
#[derive(Clone, Debug)]
pub struct GuildPlan {
    /// The settings as stored.
    pub settings: ScheduleSettings,
    /// When and what to post, in the server's zone.
    pub plan: PostPlan,
}

/// What asking for a day's post did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostOutcome {
    /// Posted now.
    Posted(ChannelId, MessageId),
    /// It had been posted before.
    AlreadyPosted(PostRecord),
    /// Someone deleted the day's post; it is not posted again that day.
    Deleted,
    /// This process is making it right now.
    InProgress,
    /// Discord refused or failed; the scheduler tries again later.
    Failed(PortError),
}

/// The who-plays-when service; see the module documentation.
pub struct Schedules {
    store: Arc<dyn Store>,
    clock: Clock,
    channel: OnceLock<Arc<dyn PostChannel>>,
    /// Where a post made is told to the server's webhooks.
    webhooks: OnceLock<Arc<Webhooks>>,
    /// Posts made or reconciled by this process: reactions on other messages are not looked up.
    posts: Mutex<HashMap<MessageId, (GuildId, NaiveDate)>>,
    /// Days whose post is settled (made, found or deleted), so the scheduler skips them.
    settled: Mutex<HashSet<(GuildId, NaiveDate)>>,
    /// Guilds whose last attempt failed, until when they wait, and why.
    failures: Mutex<HashMap<GuildId, (DateTime<Utc>, PortError)>>,
    /// Posts being made by this process: a start's reconciliation and the scheduler's first
    /// look reach the same posts at once.
    in_flight: Mutex<HashSet<(GuildId, NaiveDate)>>,
    /// Bounds how many posts are made at once when many guilds are due together.
    posting: Semaphore,
    edits: Edits,
    wake: Notify,
}

impl Schedules {
    /// The service over `store`, reading time from `clock`. It posts nothing until
    /// [`Schedules::connect`] gives it Discord.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            channel: OnceLock::new(),
            webhooks: OnceLock::new(),
            posts: Mutex::default(),
            settled: Mutex::default(),
            failures: Mutex::default(),
            in_flight: Mutex::default(),
            posting: Semaphore::new(POSTS_AT_ONCE),
            edits: Edits::default(),
            wake: Notify::new(),
        }
    }

    /// Gives the service Discord, once the client is built; a second call is ignored.
    pub fn connect(&self, channel: Arc<dyn PostChannel>) {
        let _ = self.channel.set(channel);
    }

    /// Tells the servers' webhooks about each post made from now on; a second call is ignored.
    pub fn publish_to(&self, webhooks: Arc<Webhooks>) {
        let _ = self.webhooks.set(webhooks);
    }

    /// The current time, from the one clock.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The guild's daily post, if its managers set it up.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn plan(&self, guild: GuildId) -> Result<Option<GuildPlan>, StoreError> {
        let Some(settings) = self.store.schedule_settings(guild).await? else {
            return Ok(None);
        };
        let zone = self.store.settings(guild).await?.default_timezone;
        Ok(Some(guild_plan(settings, zone.as_deref())))
    }

    /// Saves the guild's daily post and the server's zone, and wakes the scheduler so that a
    /// post due now is made at once.
    ///
    /// # Errors
    /// When the store fails; nothing is saved then.
    pub async fn set_up(
        &self,
        guild: GuildId,
        settings: &ScheduleSettings,
        zone: Tz,
    ) -> Result<(), StoreError> {
        let mut guild_settings = self.store.settings(guild).await?;
        guild_settings.default_timezone = Some(zone.name().to_owned());
        self.store.save_settings(guild, &guild_settings).await?;
        self.store
            .save_schedule_settings(guild, settings, self.now())
            .await?;
        self.forget_failure(guild);
        self.wake.notify_one();
        Ok(())
    }

    /// Stops the guild's daily post; `false` when none was set up.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn stop(&self, guild: GuildId) -> Result<bool, StoreError> {
        self.store.remove_schedule_settings(guild).await
    }

    /// The post of the guild's current local day, if any.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn todays_post(
        &self,
        guild: GuildId,
        plan: &GuildPlan,
    ) -> Result<Option<PostRecord>, StoreError> {
        self.store
            .post(guild, board::local_date(&plan.plan, self.now()))
            .await
    }

    /// Why the guild's last post failed, if it did and no post succeeded since.
    #[must_use]
    pub fn last_failure(&self, guild: GuildId) -> Option<PortError> {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&guild)
            .map(|(_, error)| error.clone())
    }

    /// Posts today's message now (a manager asked): once per day, posting weekday or not.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn post_today(
        self: &Arc<Self>,
        guild: GuildId,
        plan: &GuildPlan,
    ) -> Result<PostOutcome, StoreError> {
        let day = board::local_date(&plan.plan, self.now());
        self.make_post(guild, plan, day).await
    }

    /// The board of `day` as it reads now.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn render(
        &self,
        guild: GuildId,
        plan: &GuildPlan,
        day: NaiveDate,
    ) -> Result<PostText, StoreError> {
        let marks = self.store.day_marks(guild, day).await?;
        let weeks = self.store.weekly_schedules(guild).await?;
        let zones = self.store.member_zones(guild).await?;
        let ranks = self.store.member_ranks(guild).await?;
        Ok(board::render(
            &plan.plan,
            day,
            &marks,
            &board::Members {
                weeks: &weeks,
                zones: &zones,
                ranks: &ranks,
            },
        ))
    }

    /// A member added or removed a reaction on a message; `false` when the message is no post
    /// this process knows or the emoji is none of its own.
    ///
    /// # Errors
    /// When the store fails; the change is then lost until the next reconciliation.
    pub async fn reaction(
        self: &Arc<Self>,
        guild: GuildId,
        message: MessageId,
        user: UserId,
        emoji: &str,
        added: bool,
    ) -> Result<bool, StoreError> {
        let Some(day) = self.known_post(guild, message) else {
            return Ok(false);
        };
        let slot = if plan::is_not_today(emoji) {
            NOT_TODAY_SLOT
        } else {
            match plan::slot_of_emoji(emoji) {
                Some(slot) => i64::try_from(slot).unwrap_or(i64::MAX),
                None => return Ok(false),
            }
        };
        self.store
            .set_reaction(guild, day, user, slot, added)
            .await?;
        self.schedule_edit(guild, day);
        Ok(true)
    }

    /// A message was deleted; when it was a post, it is not posted again that day.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn message_deleted(
        &self,
        guild: GuildId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        if let Some(day) = self.store.post_deleted(guild, message).await? {
            tracing::info!(guild = %guild, %day, "the daily post was deleted; it is not posted again today");
            self.forget_post(message);
        }
        Ok(())
    }

    /// Re-renders today's post after a change it shows but no reaction made (a weekly
    /// schedule or a member's zone).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn refresh_today(self: &Arc<Self>, guild: GuildId) -> Result<(), StoreError> {
        let Some(plan) = self.plan(guild).await? else {
            return Ok(());
        };
        let today = board::local_date(&plan.plan, self.now());
        for day in [today, today.pred_opt().unwrap_or(today)] {
            if let Some(post) = self.store.post(guild, day).await? {
                if post.state == PostState::Posted {
                    self.schedule_edit(guild, day);
                }
            }
        }
        Ok(())
    }

    /// A member joined a voice channel (not the AFK one): marked at the current hour of the post
    /// whose window holds now.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn voice_joined(
        self: &Arc<Self>,
        guild: GuildId,
        user: UserId,
    ) -> Result<(), StoreError> {
        let Some(plan) = self.plan(guild).await? else {
            return Ok(());
        };
        let now = self.now();
        let today = board::local_date(&plan.plan, now);
        // A window that wraps past midnight belongs to the day it started on.
        for day in [today, today.pred_opt().unwrap_or(today)] {
            let Some(slot) = plan.plan.slot_at(day, now) else {
                continue;
            };
            let Some(post) = self.store.post(guild, day).await? else {
                continue;
            };
            if post.state != PostState::Posted {
                continue;
            }
            let slot = i64::try_from(slot).unwrap_or(i64::MAX);
            if self.store.add_voice_mark(guild, day, user, slot).await? {
                self.schedule_edit(guild, day);
            }
            break;
        }
        Ok(())
    }

    /// Brings the guild's day up to date after a start or a reconnect: makes the post when it is
    /// due and missing, or re-reads its reactions from Discord and re-renders it.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn reconcile(self: &Arc<Self>, guild: GuildId) -> Result<(), StoreError> {
        let Some(plan) = self.plan(guild).await? else {
            return Ok(());
        };
        let Some(channel) = self.channel.get() else {
            return Ok(());
        };
        let now = self.now();
        let today = board::local_date(&plan.plan, now);
        // A window past midnight keeps yesterday's post open in the early hours.
        if let Some(yesterday) = today.pred_opt() {
            if plan.plan.slot_at(yesterday, now).is_some() {
                if let Some(post) = self.store.post(guild, yesterday).await? {
                    if let (PostState::Posted, Some(message)) = (post.state, post.message_id) {
                        self.reread(channel.as_ref(), guild, &plan, &post, message)
                            .await?;
                    }
                }
            }
        }
        match self.store.post(guild, today).await? {
            None if plan.plan.due_today(now) == Some(today) => {
                self.make_post(guild, &plan, today).await?;
            }
            None => {}
            Some(post) if post.state == PostState::Sending => {
                self.make_post(guild, &plan, today).await?;
            }
            Some(post) if post.state == PostState::Deleted => self.settle(guild, today),
            Some(post) => {
                let Some(message) = post.message_id else {
                    return Ok(());
                };
                self.reread(channel.as_ref(), guild, &plan, &post, message)
                    .await?;
            }
        }
        Ok(())
    }

    /// Re-reads a made post's reactions and the bot's own, after downtime.
    async fn reread(
        self: &Arc<Self>,
        channel: &dyn PostChannel,
        guild: GuildId,
        plan: &GuildPlan,
        post: &PostRecord,
        message: MessageId,
    ) -> Result<(), StoreError> {
        let posted = match channel.fetch(post.channel_id, message).await {
            Ok(posted) => posted,
            Err(PortError::Gone) => {
                self.store.post_deleted(guild, message).await?;
                self.settle(guild, post.day);
                return Ok(());
            }
            Err(error) => {
                // Its reactions are still followed from now on; the next start re-reads them.
                self.remember(message, guild, post.day);
                tracing::warn!(guild = %guild, %error, "could not re-read the daily post");
                return Ok(());
            }
        };
        self.remember(message, guild, post.day);
        let emojis = post_emojis(&plan.plan, post.day);
        let mut reactions = Vec::new();
        for (slot, emoji) in &emojis {
            match channel.reactors(post.channel_id, message, emoji).await {
                Ok(users) => reactions.extend(users.into_iter().map(|user| (user, *slot))),
                Err(error) => {
                    tracing::warn!(guild = %guild, %error, "could not re-read the daily post's reactions");
                    return Ok(());
                }
            }
        }
        self.store
            .replace_reactions(guild, post.day, &reactions)
            .await?;
        for (_, emoji) in &emojis {
            if !posted.own_reactions.iter().any(|own| own == emoji) {
                if let Err(error) = channel.react(post.channel_id, message, emoji).await {
                    tracing::warn!(guild = %guild, %error, "could not add a reaction to the daily post");
                }
            }
        }
        self.settle(guild, post.day);
        self.schedule_edit(guild, post.day);
        Ok(())
    }

    /// Makes the guild's post of `day` unless it was made or deleted: claims it in the store,
    /// sends it with the day's nonce, then adds the reactions in order.
    async fn make_post(
        self: &Arc<Self>,
        guild: GuildId,
        plan: &GuildPlan,
        day: NaiveDate,
    ) -> Result<PostOutcome, StoreError> {
        let Some(_flight) = InFlight::enter(&self.in_flight, (guild, day)) else {
            return Ok(PostOutcome::InProgress);
        };
        // Closed only when the service is dropped, and then nothing posts anyway.
        let Ok(_permit) = self.posting.acquire().await else {
            return Ok(PostOutcome::InProgress);
        };
        let Some(channel) = self.channel.get() else {
            return Ok(PostOutcome::Failed(PortError::Failed(
                "not connected to Discord yet".to_owned(),
            )));
        };
        // Discord matches an enforced nonce by author across channels, so it names the channel
        // as well as the day (16 hex digits and 6 digits fit its 25 characters).
        let nonce = format!("{:x}{}", plan.settings.channel_id.0, day.format("%y%m%d"));
        let (post, claimed) = self
            .store
            .claim_post(guild, day, plan.settings.channel_id, &nonce, self.now())
            .await?;
        match post.state {
            PostState::Deleted => {
                self.settle(guild, day);
                return Ok(PostOutcome::Deleted);
            }
            PostState::Posted => {
                if let Some(message) = post.message_id {
                    self.remember(message, guild, day);
                }
                self.settle(guild, day);
                return Ok(PostOutcome::AlreadyPosted(post));
            }
            PostState::Sending => {}
        }
        let text = self.render(guild, plan, day).await?;
        // A claim found unfinished was made by a process that stopped mid-post: its message may
        // be there already, past the time Discord remembers a nonce.
        let sent_before = if claimed {
            None
        } else {
            match channel.find_own(post.channel_id, &text.title).await {
                Ok(found) => found,
                // Sending blind could make a second post: try again later instead.
                Err(error) => {
                    self.note_failure(guild, error.clone());
                    return Ok(PostOutcome::Failed(error));
                }
            }
        };
        let sent = match sent_before {
            Some(message) => Ok(message),
            None => channel.send(post.channel_id, &post.nonce, &text).await,
        };
        let message = match sent {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(guild = %guild, %day, %error, "could not make the daily post; trying again later");
                self.note_failure(guild, error.clone());
                return Ok(PostOutcome::Failed(error));
            }
        };
        self.store.post_sent(guild, day, message).await?;
        if let Some(webhooks) = self.webhooks.get() {
            let data = payload::schedule_posted(day, post.channel_id, message.0);
            webhooks.publish(guild, Event::SchedulePosted, data).await;
        }
        self.remember(message, guild, day);
        self.settle(guild, day);
        self.forget_failure(guild);
        tracing::info!(guild = %guild, %day, "made the daily post");
        crate::ops::metrics::schedule_posted();
        for (_, emoji) in post_emojis(&plan.plan, day) {
            if let Err(error) = channel.react(post.channel_id, message, emoji).await {
                tracing::warn!(guild = %guild, %error, "could not add a reaction to the daily post");
                if error == PortError::Gone {
                    break;
                }
            }
        }
        Ok(PostOutcome::Posted(post.channel_id, message))
    }

    /// Schedules a coalesced edit of the guild's post of `day`.
    fn schedule_edit(self: &Arc<Self>, guild: GuildId, day: NaiveDate) {
        let Some(at) = self.edits.schedule(guild, day) else {
            crate::ops::metrics::schedule_edit_coalesced();
            return;
        };
        let this = Arc::clone(self);
        self.edits.keep(async move {
            tokio::time::sleep_until(at).await;
            // One edit of a post at a time: a slow one must not land after a newer one.
            let _turn = this.edits.turn(guild, day).await;
            this.edits.started(guild, day);
            if let Err(error) = this.edit(guild, day).await {
                tracing::warn!(guild = %guild, %day, %error, "could not update the daily post");
            }
        });
    }

    async fn edit(&self, guild: GuildId, day: NaiveDate) -> Result<(), StoreError> {
        let (Some(channel), Some(plan)) = (self.channel.get(), self.plan(guild).await?) else {
            return Ok(());
        };
        let Some(post) = self.store.post(guild, day).await? else {
            return Ok(());
        };
        let (PostState::Posted, Some(message)) = (post.state, post.message_id) else {
            return Ok(());
        };
        let text = self.render(guild, &plan, day).await?;
        match channel.edit(post.channel_id, message, &text).await {
            Ok(()) => crate::ops::metrics::schedule_edited(),
            Err(PortError::Gone) => {
                self.store.post_deleted(guild, message).await?;
                self.forget_post(message);
            }
            Err(error) => tracing::warn!(guild = %guild, %error, "could not edit the daily post"),
        }
        Ok(())
    }

    /// Starts the scheduler; hand the task to the app, which stops it at shutdown.
    #[must_use]
    pub fn spawn(
        self: &Arc<Self>,
        stopped: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            tokio::pin!(stopped);
            loop {
                let wait = this.tick().await;
                tokio::select! {
                    () = &mut stopped => break,
                    () = this.wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
            this.edits.stop();
        })
    }

    /// One look at every guild this process serves: makes the posts that are due. Returns how
    /// long to sleep until the next post is due (at most [`LOOK_EVERY`]).
    async fn tick(self: &Arc<Self>) -> Duration {
        let Some(channel) = self.channel.get() else {
            return LOOK_EVERY;
        };
        let guilds = match self.store.scheduled_guilds().await {
            Ok(guilds) => guilds,
            Err(error) => {
                tracing::warn!(%error, "could not read the daily posts' settings; trying again shortly");
                return LOOK_EVERY;
            }
        };
        let now = self.now();
        let mut next: Option<DateTime<Utc>> = None;
        let mut due = tokio::task::JoinSet::new();
        for guild in guilds {
            if !channel.serves(guild.guild_id) {
                continue;
            }
            let plan = guild_plan(guild.settings, guild.timezone.as_deref());
            let post = plan.plan.next_post(now);
            next = Some(next.map_or(post, |next| next.min(post)));
            let Some(day) = plan.plan.due_today(now) else {
                continue;
            };
            if self.is_settled(guild.guild_id, day)
                || self.waiting_after_failure(guild.guild_id, now)
            {
                continue;
            }
            let this = Arc::clone(self);
            due.spawn(async move {
                if let Err(error) = this.make_post(guild.guild_id, &plan, day).await {
                    tracing::warn!(guild = %guild.guild_id, %error, "could not make the daily post; trying again shortly");
                }
            });
        }
        while due.join_next().await.is_some() {}
        // The wait is real time: on a clock running fast (the demo) a day passes in seconds.
        next.map_or(LOOK_EVERY, |next| {
            self.clock.real(next - self.now()).min(LOOK_EVERY)
        })
    }

    fn known_post(&self, guild: GuildId, message: MessageId) -> Option<NaiveDate> {
        self.posts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&message)
            .filter(|(owner, _)| *owner == guild)
            .map(|(_, day)| *day)
    }

    fn remember(&self, message: MessageId, guild: GuildId, day: NaiveDate) {
        let mut posts = self.posts.lock().unwrap_or_else(PoisonError::into_inner);
        // Only recent days matter: reactions on older posts change nothing anyone reads.
        let oldest = day - chrono::TimeDelta::days(2);
        posts.retain(|_, (_, kept)| *kept >= oldest);
        posts.insert(message, (guild, day));
    }

    fn forget_post(&self, message: MessageId) {
        self.posts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&message);
    }

    fn settle(&self, guild: GuildId, day: NaiveDate) {
        let mut settled = self.settled.lock().unwrap_or_else(PoisonError::into_inner);
        // Only today's and yesterday's posts are ever looked up again.
        let oldest = day - chrono::TimeDelta::days(2);
        settled.retain(|(_, kept)| *kept >= oldest);
        settled.insert((guild, day));
    }

    fn is_settled(&self, guild: GuildId, day: NaiveDate) -> bool {
        self.settled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(guild, day))
    }

    fn note_failure(&self, guild: GuildId, error: PortError) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(guild, (self.now() + RETRY_AFTER, error));
    }

    fn forget_failure(&self, guild: GuildId) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&guild);
    }

    fn waiting_after_failure(&self, guild: GuildId, now: DateTime<Utc>) -> bool {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&guild)
            .is_some_and(|(until, _)| *until > now)
    }
}

/// A post this process is making, marked until the guard is dropped.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<(GuildId, NaiveDate)>>,
    key: (GuildId, NaiveDate),
}

impl<'a> InFlight<'a> {
    /// Marks `key`; `None` when it is marked already.
    fn enter(
        set: &'a Mutex<HashSet<(GuildId, NaiveDate)>>,
        key: (GuildId, NaiveDate),
    ) -> Option<Self> {
        // No guard may be built when the key is taken: dropping it would lock the set while
        // this statement still holds it (a deadlock), and would unmark the other maker's post.
        let marked = set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key);
        if !marked {
            return None;
        }
        Some(Self { set, key })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// The post's reaction emojis in order with their stored slot: one per hour of the window that
/// exists that day, then "not today".
fn post_emojis(plan: &PostPlan, day: NaiveDate) -> Vec<(i64, &'static str)> {
    let mut emojis: Vec<(i64, &'static str)> = plan
        .slots(day)
        .iter()
        .filter_map(|slot| {
            let emoji = plan::SLOT_EMOJIS.get(slot.index)?;
            Some((i64::try_from(slot.index).ok()?, *emoji))
        })
        .collect();
    emojis.push((NOT_TODAY_SLOT, plan::NOT_TODAY));
    emojis
}

/// The settings as a plan in the server's zone (UTC when unset or no longer known).
fn guild_plan(settings: ScheduleSettings, zone: Option<&str>) -> GuildPlan {
    let tz = zone
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC);
    GuildPlan {
        plan: board::plan_of(&settings, tz),
        settings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_being_made_is_marked_once_until_its_maker_is_done() {
        let set = Mutex::default();
        let key = (
            GuildId(1),
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day"),
        );
        let first = InFlight::enter(&set, key).expect("the first maker marks the post");
        assert!(
            InFlight::enter(&set, key).is_none(),
            "a second maker is turned away"
        );
        assert!(
            set.lock().expect("the set").contains(&key),
            "turning the second away leaves the first one's mark"
        );
        drop(first);
        assert!(
            InFlight::enter(&set, key).is_some(),
            "marked again once done"
        );
    }
}
