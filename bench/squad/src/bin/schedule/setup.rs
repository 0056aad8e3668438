//! What the scenarios share: fakecord with or without rate limits, guilds created in it, and
//! their daily posts set up through the bot's own store and service.
//!
//! Settings are written with [`Schedules::set_up`], the call behind /schedule setup, rather than
//! through 1,000 interactions: the command's checks (permissions, argument parsing) are covered
//! by the end-to-end tests, and the scenarios are about what happens after setup.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Timelike as _, Utc};
use chrono_tz::Tz;
use fakecord::api::{GuildInfo, GuildSpec};
use fakecord::{FakeDiscord, Fakecord, RunningServer, Snowflake};
use futures::{StreamExt as _, TryStreamExt as _};
use trakker::clock::Clock;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId};
use trakker::domain::schedule::{HourWindow, PostPlan, PostTime, Slot, Weekdays};
use trakker::schedule::Schedules;
use trakker::store::records::GuildRecord;
use trakker::store::schedule::ScheduleSettings;
use trakker::store::Store;
use trakker_bench::database::BenchDatabase;

use crate::Limits;

/// The channel every guild's post goes to.
pub(crate) const CHANNEL: &str = "plays";

/// Requests to fakecord's control API in flight at once while setting up.
const AT_ONCE: usize = 16;

/// Zones the guilds are spread over, so one instant is a different local time (and for Tokyo
/// and Sydney a different date) from guild to guild, as on a bot serving many countries.
pub(crate) const ZONES: [Tz; 8] = [
    Tz::UTC,
    Tz::Europe__London,
    Tz::Europe__Paris,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::America__Los_Angeles,
    Tz::Asia__Tokyo,
    Tz::Australia__Sydney,
];

/// fakecord on a free port, enforcing Discord's rate limits or none.
pub(crate) async fn fakecord(limits: Limits) -> anyhow::Result<RunningServer> {
    let config = match limits {
        Limits::Discord => {
            fakecord::Config::default().with_rate_limits(fakecord::RateLimits::discord())
        }
        Limits::Off => fakecord::Config::default(),
    };
    FakeDiscord::start(config).await.context("start fakecord")
}

/// Creates `count` guilds named `{prefix} 0001`… with `members` generated members and a
/// `#plays` channel, in order.
pub(crate) async fn guilds(
    discord: &Fakecord,
    prefix: &str,
    count: u32,
    members: u32,
) -> anyhow::Result<Vec<GuildInfo>> {
    futures::stream::iter(1..=count)
        .map(|n| async move {
            discord
                .create_guild(
                    GuildSpec::new(format!("{prefix} {n:04}"))
                        .generated_members(members)
                        .text_channel(CHANNEL),
                )
                .await
                .with_context(|| format!("create guild {n}"))
        })
        .buffered(AT_ONCE)
        .try_collect()
        .await
}

/// The bot's store on `database`, with its migrations applied (as the bot applies them).
pub(crate) async fn store(database: &BenchDatabase) -> anyhow::Result<Arc<dyn Store>> {
    let url = DatabaseUrl::parse(database.url()).context("the database URL")?;
    let store = trakker::store::connect(&url, true)
        .await
        .context("open the bot's store")?;
    Ok(Arc::from(store))
}

/// A guild's daily post: at the local time of `due` in `zone`, listing `hours` hours from the
/// next full hour on, every day.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DailyPost {
    /// The server's zone.
    pub zone: Tz,
    /// The post's settings as stored.
    pub settings: ScheduleSettings,
}

impl DailyPost {
    /// The post of a guild in `zone` whose local post time is the instant `due`.
    pub(crate) fn due_at(
        channel: Snowflake,
        zone: Tz,
        due: DateTime<Utc>,
        hours: u8,
    ) -> anyhow::Result<Self> {
        let local = due.with_timezone(&zone);
        let hour = u8::try_from(local.hour())?;
        let minute = u8::try_from(local.minute())?;
        let time = PostTime::new(hour, minute).context("a time of day")?;
        Ok(Self {
            zone,
            settings: ScheduleSettings {
                channel_id: ChannelId(channel.get()),
                post_minute: time.to_minutes(),
                window_start: (hour + 1) % 24,
                window_hours: hours,
                weekdays: Weekdays::ALL.bits(),
            },
        })
    }

    /// The plan the bot makes of these settings.
    pub(crate) fn plan(&self) -> anyhow::Result<PostPlan> {
        Ok(PostPlan {
            tz: self.zone,
            time: PostTime::from_minutes(self.settings.post_minute).context("a post time")?,
            weekdays: Weekdays::from_bits(self.settings.weekdays).unwrap_or(Weekdays::ALL),
            window: HourWindow::new(self.settings.window_start, self.settings.window_hours)
                .map_err(anyhow::Error::msg)?,
        })
    }

    /// The guild's local date at `at`: the day its post is for.
    pub(crate) fn day(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The hours the post of the day at `at` lists (one reaction each).
    pub(crate) fn slots(&self, at: DateTime<Utc>) -> anyhow::Result<Vec<Slot>> {
        Ok(self.plan()?.slots(self.day(at)))
    }
}

/// Records each guild in the store as the bot does on `GUILD_CREATE`, then sets its post up
/// through the service.
pub(crate) async fn set_up(
    store: &Arc<dyn Store>,
    guilds: &[(GuildInfo, DailyPost)],
) -> anyhow::Result<()> {
    let schedules = Arc::new(Schedules::new(Arc::clone(store), Clock::system()));
    futures::stream::iter(guilds)
        .map(|(guild, post)| {
            let (store, schedules) = (Arc::clone(store), Arc::clone(&schedules));
            async move {
                let id = GuildId(guild.id.get());
                store
                    .upsert_guild(&GuildRecord {
                        id,
                        name: guild.name.clone(),
                        joined_at: Utc::now(),
                        left_at: None,
                    })
                    .await?;
                schedules.set_up(id, &post.settings, post.zone).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(AT_ONCE)
        .try_collect::<()>()
        .await
        .context("set up the daily posts")
}
