//! Many guilds whose post falls due in the same minute: the real bot's scheduler makes every
//! post and adds every reaction against fakecord, and fakecord's request log says when each
//! landed, which were refused with 429, and how often.
//!
//! The due instant is a fixed date (Tuesday 1 December 2026, 18:00 UTC) on the bot's shifted
//! clock: it starts `--lead-secs` before, so the due instant in real time is the bot's spawn
//! time plus the lead (the bot reads its clock within milliseconds of being spawned; the first
//! post's delay shows what is left of that).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};
use fakecord::api::{RecordedRequest, RequestFilter};
use fakecord::{Fakecord, Snowflake};
use futures::{StreamExt as _, TryStreamExt as _};
use trakker::domain::ids::GuildId;
use trakker::store::schedule::PostState;
use trakker_bench::bot::{Bot, Launch};
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::proc_stats::ProcessSample;

use crate::report::{percentile, secs};
use crate::setup::{self, DailyPost, CHANNEL};
use crate::{Env, Limits, START_TIMEOUT};

/// How often fakecord's request log is read while the posts are being made.
const POLL: Duration = Duration::from_millis(250);

/// fakecord's name for the route of a new message.
const SEND_ROUTE: &str = "/channels/{channel}/messages";

/// fakecord's name for the route of the bot's own reaction.
const REACT_ROUTE: &str = "/channels/{channel}/messages/{message}/reactions/{emoji}/@me";

/// One run's figures.
pub(crate) struct Measured {
    pub backend: Backend,
    pub limits: Limits,
    pub guilds: usize,
    /// Reactions the bot should add per guild (hours of the window, plus "not today").
    pub reactions_per_post: usize,
    /// From spawning the bot to its answering /about with every guild sent.
    pub startup: Duration,
    /// From the due instant to the first post, to the last post, and to the last reaction
    /// (`None` when not everything was done before the deadline).
    pub first_post: Option<f64>,
    pub all_posted: Option<f64>,
    pub all_done: Option<f64>,
    /// Per guild, from the due instant to its post, and to its last reaction: median and p99.
    pub post_p50: f64,
    pub post_p99: f64,
    pub done_p50: f64,
    pub done_p99: f64,
    /// Requests the bot made from the due instant on, and those refused with 429 (refusals
    /// before it, of the start-up's own requests, are printed but not counted).
    pub requests: usize,
    pub refused: usize,
    pub refused_global: usize,
    /// Distinct requests (method and path) refused more than once.
    pub refused_repeatedly: usize,
    /// Reactions never added, and posts not recorded as made in the store.
    pub reactions_missing: usize,
    pub not_recorded: usize,
    /// Guilds whose channel holds more than one post.
    pub posted_twice: usize,
    /// Successful sends beyond one per channel (Discord's nonce answers them with the first).
    pub extra_sends: usize,
    /// The bot's CPU time from the due instant until everything was done.
    pub bot_cpu: f64,
    pub bot_peak_rss_mib: f64,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "posts, {} with {} rate limits: {} guilds, all posts after {}, all reactions after {}; \
             {} requests, {} refused with 429 ({} more than once), {} posted twice",
            self.backend,
            self.limits,
            self.guilds,
            opt_secs(self.all_posted),
            opt_secs(self.all_done),
            self.requests,
            self.refused,
            self.refused_repeatedly,
            self.posted_twice,
        )
    }
}

/// Seconds with one decimal, or "never".
pub(crate) fn opt_secs(value: Option<f64>) -> String {
    value.map_or_else(|| "never".to_owned(), |s| format!("{s:.1} s"))
}

/// What the log says about one guild's post.
#[derive(Default)]
struct Progress {
    posted_at: Option<u64>,
    sends: usize,
    reactions: usize,
    last_reaction_at: Option<u64>,
}

/// Everything read from the request log so far.
#[derive(Default)]
struct Log {
    after: u64,
    /// When the posts fall due, in unix milliseconds: only requests from then on are counted.
    due_ms: u64,
    requests: usize,
    refused: usize,
    refused_global: usize,
    refusals: HashMap<(String, String), usize>,
    /// Refusals by route, from the due instant on.
    refused_routes: BTreeMap<String, usize>,
    /// Refusals by route before the due instant: the start-up's own requests.
    early_refusals: BTreeMap<String, usize>,
    guilds: Vec<Progress>,
}

impl Log {
    fn add(&mut self, request: &RecordedRequest, guild_of: &HashMap<Snowflake, usize>) {
        self.after = self.after.max(request.id);
        if request.at_ms < self.due_ms {
            if request.rate_limit.is_some() {
                *self.early_refusals.entry(request.route_key()).or_default() += 1;
            }
            return;
        }
        self.requests += 1;
        if let Some(hit) = &request.rate_limit {
            self.refused += 1;
            self.refused_global += usize::from(hit.global);
            *self
                .refusals
                .entry((request.method.clone(), request.path.clone()))
                .or_default() += 1;
            *self.refused_routes.entry(request.route_key()).or_default() += 1;
        }
        let Some(guild) = channel_of(&request.path).and_then(|channel| guild_of.get(&channel))
        else {
            return;
        };
        let progress = &mut self.guilds[*guild];
        match (request.method.as_str(), request.route.as_deref()) {
            ("POST", Some(SEND_ROUTE)) if request.status == 200 => {
                progress.sends += 1;
                progress.posted_at.get_or_insert(request.at_ms);
            }
            ("PUT", Some(REACT_ROUTE)) if request.status / 100 == 2 => {
                progress.reactions += 1;
                progress.last_reaction_at = Some(request.at_ms);
            }
            _ => {}
        }
    }

    fn done(&self, reactions: usize) -> bool {
        self.guilds
            .iter()
            .all(|g| g.posted_at.is_some() && g.reactions >= reactions)
    }
}

/// The channel of `/api/v10/channels/{channel}/…`.
fn channel_of(path: &str) -> Option<Snowflake> {
    let rest = path.split("/channels/").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

/// The due instant on the bot's clock.
fn due() -> anyhow::Result<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0)
        .single()
        .context("a due instant")
}

/// Sets up the guilds, starts the bot before their post time and follows it making the posts.
pub(crate) async fn run(
    env: &Env<'_>,
    database: &BenchDatabase,
    limits: Limits,
) -> anyhow::Result<Measured> {
    let args = env.args;
    let server = setup::fakecord(limits).await?;
    let discord = server.client();
    let prepared = std::time::Instant::now();
    let guilds = setup::guilds(&discord, "Bench Posts", args.guilds, 2).await?;
    let due = due()?;
    let posts: Vec<(fakecord::api::GuildInfo, DailyPost)> = guilds
        .into_iter()
        .enumerate()
        .map(|(i, guild)| {
            let zone = setup::ZONES[i % setup::ZONES.len()];
            let post = DailyPost::due_at(guild.channel(CHANNEL)?, zone, due, args.window_hours)?;
            anyhow::Ok((guild, post))
        })
        .collect::<Result<_, _>>()?;
    let store = setup::store(database).await?;
    setup::set_up(&store, &posts).await?;
    let reactions_per_post = posts[0].1.slots(due)?.len() + 1;
    for (guild, post) in &posts {
        anyhow::ensure!(
            post.slots(due)?.len() + 1 == reactions_per_post,
            "guild {} lists a different number of hours; pick a date without a clock change",
            guild.name
        );
    }
    println!(
        "posts, {} with {limits} rate limits: {} guilds set up in {:.1} s",
        database.backend(),
        posts.len(),
        prepared.elapsed().as_secs_f64()
    );
    let guild_of: HashMap<Snowflake, usize> = posts
        .iter()
        .enumerate()
        .map(|(i, (guild, _))| Ok((guild.channel(CHANNEL)?, i)))
        .collect::<anyhow::Result<_>>()?;

    let lead = TimeDelta::seconds(i64::try_from(args.lead_secs)?);
    let log_name = format!("bot-posts-{}-{limits}.log", database.backend());
    let launch = Launch {
        binary: env.bot.clone(),
        database_url: database.url().to_owned(),
        redis_url: None,
        rust_log: args.bot_log.clone(),
        log_file: env.logs.join(&log_name),
        env: vec![("CLOCK_START".to_owned(), (due - lead).to_rfc3339())],
    };
    let spawned = Utc::now();
    let bot = Bot::start(&server, &launch, posts[0].0.id, START_TIMEOUT).await?;
    let startup = (Utc::now() - spawned).to_std().unwrap_or_default();
    let due_ms = u64::try_from((spawned + lead).timestamp_millis())?;
    println!(
        "  bot ready {:.1} s after its start, {:.1} s before the posts are due",
        startup.as_secs_f64(),
        (lead.to_std()?.as_secs_f64() - startup.as_secs_f64())
    );
    let pid = bot.pid().context("the bot exited")?;

    let followed = follow(
        &discord,
        &guild_of,
        posts.len(),
        reactions_per_post,
        due_ms,
        pid,
        Duration::from_secs(args.lead_secs + args.deadline_secs),
    )
    .await;
    let checked = match &followed {
        Ok(_) => check(&discord, &store, &posts, due).await,
        Err(_) => Ok(Checked::default()),
    };
    let peak = ProcessSample::read(pid).map_or(0, |s| s.peak_rss_kib);
    let stopped = bot.stop().await;
    store.close().await;
    server.shutdown().await;
    let (log, cpu) = followed.with_context(|| {
        format!(
            "following the posts; the bot's log is in {}",
            env.logs.join(&log_name).display()
        )
    })?;
    let checked = checked?;
    stopped?;

    Ok(Measured::of(
        database.backend(),
        limits,
        &log,
        Run {
            reactions_per_post,
            startup,
            due_ms,
            cpu,
            peak_rss_kib: peak,
        },
        &checked,
    ))
}

/// What a run measured besides the request log.
#[derive(Clone, Copy)]
struct Run {
    reactions_per_post: usize,
    startup: Duration,
    due_ms: u64,
    cpu: f64,
    peak_rss_kib: u64,
}

impl Measured {
    /// The figures of a run from its request log and checks.
    fn of(backend: Backend, limits: Limits, log: &Log, run: Run, checked: &Checked) -> Self {
        let since_due = |at: u64| -> f64 { secs(at.saturating_sub(run.due_ms)) };
        let mut posted: Vec<f64> = Vec::new();
        let mut finished: Vec<f64> = Vec::new();
        let mut missing = 0;
        for progress in &log.guilds {
            if let Some(at) = progress.posted_at {
                posted.push(since_due(at));
                let last = progress.last_reaction_at.unwrap_or(at).max(at);
                finished.push(since_due(last));
            }
            missing += run.reactions_per_post.saturating_sub(progress.reactions);
        }
        posted.sort_by(f64::total_cmp);
        finished.sort_by(f64::total_cmp);
        let complete = posted.len() == log.guilds.len();
        Measured {
            backend,
            limits,
            guilds: log.guilds.len(),
            reactions_per_post: run.reactions_per_post,
            startup: run.startup,
            first_post: posted.first().copied(),
            all_posted: complete.then(|| posted.last().copied()).flatten(),
            all_done: (complete && missing == 0)
                .then(|| finished.last().copied())
                .flatten(),
            post_p50: percentile(&posted, 0.5),
            post_p99: percentile(&posted, 0.99),
            done_p50: percentile(&finished, 0.5),
            done_p99: percentile(&finished, 0.99),
            requests: log.requests,
            refused: log.refused,
            refused_global: log.refused_global,
            refused_repeatedly: log.refusals.values().filter(|n| **n > 1).count(),
            reactions_missing: missing,
            not_recorded: checked.not_recorded,
            posted_twice: checked.posted_twice,
            extra_sends: log.guilds.iter().map(|g| g.sends.saturating_sub(1)).sum(),
            bot_cpu: run.cpu,
            #[expect(clippy::cast_precision_loss, reason = "KiB of one process")]
            bot_peak_rss_mib: run.peak_rss_kib as f64 / 1024.0,
        }
    }
}

/// Reads the request log until every post and reaction is in or `deadline` has passed since the
/// bot started; returns the log and the bot's CPU seconds from the due instant on.
async fn follow(
    discord: &Fakecord,
    guild_of: &HashMap<Snowflake, usize>,
    guilds: usize,
    reactions: usize,
    due_ms: u64,
    pid: u32,
    deadline: Duration,
) -> anyhow::Result<(Log, f64)> {
    let started = tokio::time::Instant::now();
    let mut log = Log {
        due_ms,
        ..Log::default()
    };
    log.guilds.resize_with(guilds, Progress::default);
    // Start-up requests (command registration, /about) are not the posts': skip them.
    let before = discord.requests(&RequestFilter::default()).await?;
    log.after = before.last().map_or(0, |r| r.id);
    let mut cpu_at_due = None;
    let mut last_report = started;
    loop {
        let now_ms = u64::try_from(Utc::now().timestamp_millis())?;
        if cpu_at_due.is_none() && now_ms >= due_ms {
            cpu_at_due = ProcessSample::read(pid).map(|s| s.cpu_seconds);
        }
        let filter = RequestFilter {
            after: Some(log.after),
            ..RequestFilter::default()
        };
        for request in discord.requests(&filter).await? {
            log.add(&request, guild_of);
        }
        if log.done(reactions) {
            break;
        }
        if started.elapsed() > deadline {
            println!("  gave up waiting: not every post and reaction was made in time");
            break;
        }
        if last_report.elapsed() >= Duration::from_secs(30) {
            last_report = tokio::time::Instant::now();
            let posted = log.guilds.iter().filter(|g| g.posted_at.is_some()).count();
            let reacted: usize = log.guilds.iter().map(|g| g.reactions).sum();
            println!(
                "  … {posted} posts and {reacted} reactions, {} refused with 429",
                log.refused
            );
        }
        tokio::time::sleep(POLL).await;
    }
    let cpu = ProcessSample::read(pid).map_or(0.0, |s| s.cpu_seconds) - cpu_at_due.unwrap_or(0.0);
    if !log.early_refusals.is_empty() {
        println!(
            "  refused with 429 at start-up, before the posts were due: {:?}",
            log.early_refusals
        );
    }
    if !log.refused_routes.is_empty() {
        println!(
            "  refused with 429 from the due instant on: {:?}",
            log.refused_routes
        );
    }
    Ok((log, cpu))
}

/// What the channels and the store hold once the posts are made.
#[derive(Default)]
struct Checked {
    posted_twice: usize,
    not_recorded: usize,
}

/// Counts the bot's posts in every channel and the posts the store records as made.
async fn check(
    discord: &Fakecord,
    store: &std::sync::Arc<dyn trakker::store::Store>,
    posts: &[(fakecord::api::GuildInfo, DailyPost)],
    due: DateTime<Utc>,
) -> anyhow::Result<Checked> {
    let counts: Vec<(usize, bool)> = futures::stream::iter(posts)
        .map(|(guild, post)| async move {
            let made = discord
                .bot_messages(guild.channel(CHANNEL)?)
                .await?
                .into_iter()
                .filter(|m| !m.deleted && m.interaction_id.is_none())
                .count();
            let record = store
                .post(GuildId(guild.id.get()), post.day(due))
                .await?
                .filter(|record| record.state == PostState::Posted && record.message_id.is_some());
            anyhow::Ok((made, record.is_some()))
        })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    let mut by_count: BTreeMap<usize, usize> = BTreeMap::new();
    for (made, _) in &counts {
        *by_count.entry(*made).or_default() += 1;
    }
    if by_count.keys().any(|made| *made != 1) {
        println!("  posts per channel (posts: channels): {by_count:?}");
    }
    Ok(Checked {
        posted_twice: counts.iter().filter(|(made, _)| *made > 1).count(),
        not_recorded: counts.iter().filter(|(_, recorded)| !recorded).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_its_channel() {
        assert_eq!(
            channel_of("/api/v10/channels/123/messages/456/reactions/%F0%9F%87%A6/@me"),
            Some(Snowflake(123))
        );
        assert_eq!(
            channel_of("/api/v10/channels/77/messages"),
            Some(Snowflake(77))
        );
        assert_eq!(channel_of("/api/v10/applications/1/commands"), None);
    }
}
