//! The who-plays-when part of the storage interface: each guild's daily post settings, the post
//! made each day, members' marks on it (reactions, voice), weekly schedules and members' time
//! zones. [`ScheduleStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`]
//! implements it for both databases in `sql/schedule.rs`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::domain::ids::{ChannelId, GuildId, MessageId, UserId};

/// The slot stored for a "not today" reaction.
pub const NOT_TODAY_SLOT: i64 = -1;

/// A guild's daily post, as its managers set it up. The server's time zone is
/// [`super::GuildSettings::default_timezone`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleSettings {
    /// Where the post goes.
    pub channel_id: ChannelId,
    /// The local time of the post, in minutes after midnight (0..1440).
    pub post_minute: u16,
    /// The first local hour offered (0..24).
    pub window_start: u8,
    /// How many hours are offered (1..=20).
    pub window_hours: u8,
    /// The posting weekdays as a bit set, Monday in bit 0.
    pub weekdays: u8,
}

/// A guild whose daily post is set up, with the server's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledGuild {
    /// The guild.
    pub guild_id: GuildId,
    /// Its post settings.
    pub settings: ScheduleSettings,
    /// The server's IANA zone, if set (UTC otherwise).
    pub timezone: Option<String>,
}

/// Where a day's post stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostState {
    /// Claimed; the message may or may not have reached Discord.
    Sending,
    /// Posted: the message id is known.
    Posted,
    /// Someone deleted it; it is not posted again that day.
    Deleted,
}

/// A guild's post of one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostRecord {
    /// The guild.
    pub guild_id: GuildId,
    /// The server's local date the post is for.
    pub day: NaiveDate,
    /// The channel it was sent to.
    pub channel_id: ChannelId,
    /// The message, once Discord answered.
    pub message_id: Option<MessageId>,
    /// The nonce every send of this post carries.
    pub nonce: String,
    /// Where it stands.
    pub state: PostState,
}

/// Everything members marked on one day's post.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayMarks {
    /// Reactions: member and slot ([`NOT_TODAY_SLOT`] for "not today"), by member then slot.
    pub reactions: Vec<(UserId, i64)>,
    /// Hours members were seen in voice: member and slot, by member then slot.
    pub voice: Vec<(UserId, i64)>,
    /// Members who reacted at some point, by id: their reactions are the truth for the day.
    pub responders: Vec<UserId>,
}

/// A member's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberZone {
    /// The IANA name.
    pub timezone: String,
    /// Whether only the member sees it (it still places their schedule).
    pub private: bool,
}

/// A rank of the server: shown on the daily post as its emoji before its members' names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rank {
    /// The name compared without case ([`crate::domain::names::RankName::key`]).
    pub key: String,
    /// The name as the managers spelled it.
    pub name: String,
    /// The emoji's canonical text ([`crate::domain::reaction::ReactionEmoji::key`]).
    pub emoji: String,
}

/// Storage for who plays when. Every method filters by guild.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// The guild's post settings, if its managers set it up.
    async fn schedule_settings(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<ScheduleSettings>, StoreError>;

    /// Saves the guild's post settings. Unknown guild: [`StoreError::UnknownGuild`].
    async fn save_schedule_settings(
        &self,
        guild_id: GuildId,
        settings: &ScheduleSettings,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Stops the guild's daily post; `false` when none was set up. Posts made stay.
    async fn remove_schedule_settings(&self, guild_id: GuildId) -> Result<bool, StoreError>;

    /// Every guild the bot is in whose daily post is set up, by guild id.
    async fn scheduled_guilds(&self) -> Result<Vec<ScheduledGuild>, StoreError>;

    /// Claims the guild's post of `day`: the first claim is recorded as [`PostState::Sending`]
    /// with `channel_id` and `nonce`; a later one changes nothing. Returns the post as stored and
    /// whether this call claimed it. Unknown guild: [`StoreError::UnknownGuild`].
    async fn claim_post(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        channel_id: ChannelId,
        nonce: &str,
        at: DateTime<Utc>,
    ) -> Result<(PostRecord, bool), StoreError>;

    /// Records the message a claimed post became; a deleted post stays deleted.
    async fn post_sent(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        message_id: MessageId,
    ) -> Result<(), StoreError>;

    /// Marks the post that is `message_id` deleted; its day, or `None` when it is no post.
    async fn post_deleted(
        &self,
        guild_id: GuildId,
        message_id: MessageId,
    ) -> Result<Option<NaiveDate>, StoreError>;

    /// The guild's post of `day`.
    async fn post(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
    ) -> Result<Option<PostRecord>, StoreError>;

    /// The guild's post that is `message_id`, if it is one.
    async fn post_by_message(
        &self,
        guild_id: GuildId,
        message_id: MessageId,
    ) -> Result<Option<PostRecord>, StoreError>;

    /// Adds or removes one reaction mark; adding also makes the member a responder of the day.
    async fn set_reaction(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        user_id: UserId,
        slot: i64,
        present: bool,
    ) -> Result<(), StoreError>;

    /// Replaces the day's reaction marks with `reactions` (what Discord lists after downtime), in
    /// one transaction; every member listed becomes a responder, and responders stay responders.
    async fn replace_reactions(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        reactions: &[(UserId, i64)],
    ) -> Result<(), StoreError>;

    /// Marks a member seen in voice at a slot of the day; `false` when already marked.
    async fn add_voice_mark(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        user_id: UserId,
        slot: i64,
    ) -> Result<bool, StoreError>;

    /// Everything marked on the day.
    async fn day_marks(&self, guild_id: GuildId, day: NaiveDate) -> Result<DayMarks, StoreError>;

    /// A member's weekly schedule: per weekday (Monday first) the local hours as a 24-bit mask.
    async fn weekly_schedule(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<[u32; 7], StoreError>;

    /// Every member's weekly schedule that has an hour, by member.
    async fn weekly_schedules(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(UserId, [u32; 7])>, StoreError>;

    /// Replaces a member's weekly schedule (all zero clears it). Unknown guild:
    /// [`StoreError::UnknownGuild`].
    async fn save_weekly_schedule(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        hours: [u32; 7],
    ) -> Result<(), StoreError>;

    /// A member's time zone, if they set one.
    async fn member_zone(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Option<MemberZone>, StoreError>;

    /// Every member's time zone, by member.
    async fn member_zones(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(UserId, MemberZone)>, StoreError>;

    /// The server's ranks, by key.
    async fn ranks(&self, guild_id: GuildId) -> Result<Vec<Rank>, StoreError>;

    /// Adds a rank, or gives an existing one (same key) its new spelling and emoji. Unknown
    /// guild: [`StoreError::UnknownGuild`].
    async fn save_rank(&self, guild_id: GuildId, rank: &Rank) -> Result<(), StoreError>;

    /// Removes a rank, and with it every member's pick of it; `false` when there was none.
    async fn remove_rank(&self, guild_id: GuildId, key: &str) -> Result<bool, StoreError>;

    /// Gives a member the rank `key`, or (with `None`) none; `false` when the server has no such
    /// rank, and nothing changes then.
    async fn set_member_rank(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        key: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Every member's rank emoji (canonical text), by member.
    async fn member_ranks(&self, guild_id: GuildId) -> Result<Vec<(UserId, String)>, StoreError>;

    /// Sets or (with `None`) clears a member's time zone. Unknown guild:
    /// [`StoreError::UnknownGuild`].
    async fn set_member_zone(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        zone: Option<&MemberZone>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
