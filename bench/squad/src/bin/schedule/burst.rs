//! A burst of reactions on one post of a running bot, against fakecord with Discord's rate
//! limits: how many times the bot edits the post, how long after the last reaction the final
//! edit lands, and whether the final text is exactly the board of those reactions.
//!
//! A manager makes the post with /schedule post; once the bot has added its own reactions the
//! request log is cleared, then members react one after another, evenly spread over
//! `--burst-secs`, one in ten with "not today" and the others with one hour each. The expected
//! text is rendered here from the reactions sent, with the domain's own rules
//! (`member_slots`, `DailyBoard::render`), and compared with the post fakecord holds.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{Datelike as _, Utc};
use chrono_tz::Tz;
use fakecord::api::{CommandInvocation, MessageView, PermissionSet, ReactionSpec, RequestFilter};
use fakecord::Fakecord;
use trakker::domain::ids::UserId;
use trakker::domain::schedule::{member_slots, DailyBoard, Entry, SlotSet, NOT_TODAY, SLOT_EMOJIS};
use trakker::schedule::edits;
use trakker_bench::bot::{Bot, Launch};
use trakker_bench::database::{Backend, BenchDatabase};

use crate::report::secs;
use crate::setup::{self, DailyPost, CHANNEL};
use crate::{Env, Limits, START_TIMEOUT};

/// How long the post, its reactions and the final text may take to appear.
const WAIT: Duration = Duration::from_secs(60);

/// One burst's figures.
pub(crate) struct Measured {
    pub backend: Backend,
    pub reactions: u32,
    /// From the first reaction sent to the last, in seconds.
    pub spread: f64,
    /// Edits of the post from the first reaction on.
    pub edits: usize,
    /// From the last reaction sent to the last edit fakecord received, in seconds.
    pub final_edit_after: Option<f64>,
    /// Whether the post's final title and text are exactly the expected board.
    pub exact: bool,
    /// Requests refused with 429 during the burst.
    pub refused: u64,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "burst, {}: {} reactions over {:.1} s → {} edits, the last {} after the last reaction; final text {}",
            self.backend,
            self.reactions,
            self.spread,
            self.edits,
            crate::posts::opt_secs(self.final_edit_after),
            if self.exact { "exact" } else { "NOT exact" }
        )
    }
}

fn description(message: &MessageView) -> (String, String) {
    let field = |name: &str| {
        message
            .embeds
            .first()
            .and_then(|embed| embed.get(name))
            .and_then(|text| text.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    (field("title"), field("description"))
}

/// Polls `check` every 100 ms until it gives a value or `WAIT` passes.
async fn until<T, F, Fut>(what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the burst on `database`.
pub(crate) async fn run(env: &Env<'_>, database: &BenchDatabase) -> anyhow::Result<Measured> {
    let args = env.args;
    let server = setup::fakecord(Limits::Discord).await?;
    let discord = server.client();
    let guild = setup::guilds(&discord, "Bench Burst", 1, args.burst_reactions)
        .await?
        .pop()
        .context("the guild")?;
    let channel = guild.channel(CHANNEL)?;
    // Posted by a manager below: today is left out of the posting weekdays, so neither the
    // scheduler nor the start-up reconciliation makes it first.
    let zone = Tz::Europe__Paris;
    let mut post = DailyPost::due_at(channel, zone, Utc::now(), args.window_hours)?;
    let today = Utc::now().with_timezone(&zone).weekday();
    post.settings.weekdays &= !(1 << today.num_days_from_monday());
    let store = setup::store(database).await?;
    setup::set_up(&store, &[(guild.clone(), post)]).await?;
    store.close().await;

    let log_name = format!("bot-burst-{}.log", database.backend());
    let launch = Launch {
        binary: env.bot.clone(),
        database_url: database.url().to_owned(),
        redis_url: None,
        rust_log: args.bot_log.clone(),
        log_file: env.logs.join(&log_name),
        env: Vec::new(),
    };
    let bot = Bot::start(&server, &launch, guild.id, START_TIMEOUT).await?;
    let measured = burst(&discord, &guild, post, args, database.backend()).await;
    let stopped = bot.stop().await;
    server.shutdown().await;
    let measured = measured.with_context(|| {
        format!(
            "the burst on {}; the bot's log is in {}",
            database.backend(),
            env.logs.join(&log_name).display()
        )
    })?;
    stopped?;
    Ok(measured)
}

async fn burst(
    discord: &Fakecord,
    guild: &fakecord::api::GuildInfo,
    post: DailyPost,
    args: &crate::Args,
    backend: Backend,
) -> anyhow::Result<Measured> {
    let channel = guild.channel(CHANNEL)?;
    let manager = PermissionSet::from_names(["MANAGE_GUILD"]).map_err(anyhow::Error::msg)?;
    let made = discord
        .invoke_with(
            CommandInvocation::new(guild.id, "member-0001", "schedule post")
                .permissions(manager)
                .timeout(Duration::from_secs(30)),
        )
        .await
        .context("/schedule post")?;
    let posted_at = Utc::now();
    let slots = post.slots(posted_at)?;
    let own = slots.len() + 1;
    let message = until("the post and the bot's reactions", || async {
        let messages = discord.bot_messages(channel).await?;
        Ok(messages
            .into_iter()
            .find(|m| !m.deleted && m.interaction_id.is_none() && m.reactions.len() == own))
    })
    .await
    .with_context(|| format!("after /schedule post answered: {}", made.content))?;
    discord.clear_requests().await?;

    // Who reacts with what: member n+1 reacts once; one in ten says "not today".
    let choices: Vec<(String, Option<usize>)> = (0..args.burst_reactions)
        .map(|n| {
            let i = usize::try_from(n).unwrap_or(0);
            let hour = (n % 10 != 9).then(|| slots[i % slots.len()].index);
            (format!("member-{:04}", n + 1), hour)
        })
        .collect();
    let gap = Duration::from_secs(args.burst_secs) / args.burst_reactions.max(2).saturating_sub(1);
    let start = tokio::time::Instant::now();
    let first_ms = u64::try_from(Utc::now().timestamp_millis())?;
    for (k, (member, hour)) in choices.iter().enumerate() {
        tokio::time::sleep_until(start + gap * u32::try_from(k)?).await;
        let emoji = hour.map_or(NOT_TODAY, |index| SLOT_EMOJIS[index]);
        discord
            .react(
                guild.id,
                ReactionSpec::new(message.id, member.as_str(), emoji),
            )
            .await
            .with_context(|| format!("{member} reacts"))?;
    }
    let last_ms = u64::try_from(Utc::now().timestamp_millis())?;

    let expected = expected_board(guild, &choices, &slots, post.day(posted_at))?;
    let shown = until("the final text", || async {
        let now = discord.message(message.id).await?;
        let (_, text) = description(&now);
        Ok((text == expected.description).then_some(()))
    })
    .await;
    // Any edit still scheduled would come within one edit interval: wait it out, then count.
    tokio::time::sleep(edits::INTERVAL + Duration::from_secs(1)).await;
    let (title, text) = description(&discord.message(message.id).await?);
    let patches: Vec<u64> = discord
        .requests(&RequestFilter {
            method: Some("PATCH".to_owned()),
            path: Some(format!("/channels/{channel}/messages/{}", message.id)),
            ..RequestFilter::default()
        })
        .await?
        .into_iter()
        .filter(|r| r.status == 200)
        .map(|r| r.at_ms)
        .collect();
    let refused = discord.rate_limited().await?.refused;
    Ok(Measured {
        backend,
        reactions: args.burst_reactions,
        spread: secs(last_ms.saturating_sub(first_ms)),
        edits: patches.len(),
        final_edit_after: patches
            .iter()
            .max()
            .map(|at| secs(at.saturating_sub(last_ms))),
        exact: shown.is_ok() && title == expected.title && text == expected.description,
        refused,
    })
}

/// The board the reactions `choices` make, by the domain's rules: what the post must read.
fn expected_board(
    guild: &fakecord::api::GuildInfo,
    choices: &[(String, Option<usize>)],
    slots: &[trakker::domain::schedule::Slot],
    day: chrono::NaiveDate,
) -> anyhow::Result<DailyBoard> {
    let mut reacted: BTreeMap<UserId, (SlotSet, bool)> = BTreeMap::new();
    for (member, hour) in choices {
        let user = UserId(guild.user(member)?.get());
        let entry = reacted.entry(user).or_default();
        match hour {
            Some(index) => entry.0.insert(*index),
            None => entry.1 = true,
        }
    }
    let width = slots.iter().map(|s| s.index + 1).max().unwrap_or(0);
    let mut players: Vec<Vec<Entry>> = vec![Vec::new(); width];
    for (user, (hours, not_today)) in &reacted {
        for (index, source) in
            member_slots(Some(*hours), *not_today, SlotSet::EMPTY, SlotSet::EMPTY)
        {
            players[index].push(Entry {
                user: *user,
                rank_emoji: None,
                source,
            });
        }
    }
    Ok(DailyBoard::render(day, slots, &players))
}
