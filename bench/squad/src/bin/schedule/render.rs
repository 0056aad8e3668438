//! A 200-member board re-rendered after one reaction: `DailyBoard::render` alone, and the
//! service's whole path without Discord (store the reaction, read the day's marks, weekly
//! schedules, zones and ranks, render) on each database.
//!
//! The board is an evening in Paris: every member reacts to two or three hours, one in ten says
//! "not today", one in seven is listed from a weekly schedule instead, one in nine was seen in
//! voice, and one in five has a rank emoji. The lines are longer than Discord's 4,096
//! characters allow, so every render also shares the space out and cuts lines ("+N more").

use std::fmt;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use chrono::{NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use trakker::clock::Clock;
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::domain::schedule::{
    member_slots, DailyBoard, Entry, HourWindow, PostPlan, PostTime, Slot, SlotSet, Weekdays,
};
use trakker::schedule::Schedules;
use trakker::store::records::GuildRecord;
use trakker::store::schedule::{MemberZone, Rank, ScheduleSettings, NOT_TODAY_SLOT};
use trakker_bench::database::{Backend, BenchDatabase};

use crate::report::percentile;
use crate::setup;
use crate::Env;

/// Hours the board lists: an evening, 18:00 to midnight.
const HOURS: u8 = 6;

/// Renders before the timed ones, so caches and the allocator are warm.
const WARM_UP: u32 = 500;

/// Member `n`'s user id: 19-digit snowflakes like Discord's, so mentions are as long as real ones.
fn member(n: u32) -> UserId {
    UserId(1_250_000_000_000_000_000 + u64::from(n) * 4_194_304_007)
}

/// What member `n` did: the hours they reacted to (indexes into the window), whether they said
/// "not today", whether they have a weekly schedule instead, and the hour they were seen in voice.
struct Member {
    user: UserId,
    hours: Vec<usize>,
    not_today: bool,
    weekly: bool,
    voice: Option<usize>,
    ranked: bool,
}

fn members(count: u32, hours: usize) -> Vec<Member> {
    (0..count)
        .map(|n| {
            let i = usize::try_from(n).unwrap_or(usize::MAX);
            let weekly = n % 7 == 3;
            let mut reacted = vec![i % hours, (i + 1) % hours];
            if n % 3 == 0 {
                reacted.push((i * 7 + 2) % hours);
            }
            reacted.sort_unstable();
            reacted.dedup();
            Member {
                user: member(n),
                hours: if weekly { Vec::new() } else { reacted },
                not_today: n % 10 == 9,
                weekly,
                voice: (n % 9 == 4).then_some(i % hours),
                ranked: n % 5 == 1,
            }
        })
        .collect()
}

/// The Paris evening the board is for: 18:00 to midnight, posted at 17:00.
fn plan() -> anyhow::Result<(PostPlan, NaiveDate)> {
    let plan = PostPlan {
        tz: Tz::Europe__Paris,
        time: PostTime::new(17, 0).context("a time")?,
        weekdays: Weekdays::ALL,
        window: HourWindow::new(18, HOURS).map_err(anyhow::Error::msg)?,
    };
    let day = Utc
        .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .context("a day")?
        .date_naive();
    Ok((plan, day))
}

/// `DailyBoard::render` timed alone.
pub(crate) struct BoardTiming {
    pub members: u32,
    pub entries: usize,
    pub chars: usize,
    pub runs: u32,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

impl fmt::Display for BoardTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "render: DailyBoard::render of {} members ({} entries): p50 {:.1} µs, p99 {:.1} µs over {} runs",
            self.members, self.entries, self.p50_us, self.p99_us, self.runs
        )
    }
}

/// The entries per hour the service would hand `DailyBoard::render`.
fn players(members: &[Member], slots: &[Slot]) -> Vec<Vec<Entry>> {
    let width = slots.iter().map(|s| s.index + 1).max().unwrap_or(0);
    let mut players = vec![Vec::new(); width];
    for m in members {
        let scheduled: SlotSet = if m.weekly {
            slots.iter().map(|s| s.index).take(2).collect()
        } else {
            SlotSet::EMPTY
        };
        let reactions = (!m.weekly).then(|| m.hours.iter().copied().collect());
        let voice: SlotSet = m.voice.into_iter().collect();
        for (index, source) in member_slots(reactions, m.not_today, scheduled, voice) {
            if let Some(line) = players.get_mut(index) {
                line.push(Entry {
                    user: m.user,
                    rank_emoji: m.ranked.then(|| "⭐".to_owned()),
                    source,
                });
            }
        }
    }
    players
}

/// Times `DailyBoard::render` of `--members` members, `--renders` times.
pub(crate) fn board_alone(args: &crate::Args) -> BoardTiming {
    let (plan, day) = plan().expect("a valid plan");
    let slots = plan.slots(day);
    let members = members(args.members, slots.len());
    let players = players(&members, &slots);
    let board = DailyBoard::render(day, &slots, &players);
    for _ in 0..WARM_UP {
        black_box(DailyBoard::render(
            black_box(day),
            black_box(&slots),
            black_box(&players),
        ));
    }
    let mut times: Vec<f64> = (0..args.renders)
        .map(|_| {
            let started = Instant::now();
            black_box(DailyBoard::render(
                black_box(day),
                black_box(&slots),
                black_box(&players),
            ));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    BoardTiming {
        members: args.members,
        entries: players.iter().map(Vec::len).sum(),
        chars: board.description.chars().count(),
        runs: args.renders,
        p50_us: percentile(&times, 0.5),
        p99_us: percentile(&times, 0.99),
        max_us: times.last().copied().unwrap_or(f64::NAN),
    }
}

/// The service's path after one reaction, on one database.
pub(crate) struct ServiceTiming {
    pub backend: Backend,
    pub runs: u32,
    pub store_p50_us: f64,
    pub store_p99_us: f64,
    pub store_max_us: f64,
    pub render_p50_us: f64,
    pub render_p99_us: f64,
    pub render_max_us: f64,
}

impl fmt::Display for ServiceTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "render, {}: set_reaction p50 {:.1} µs p99 {:.1} µs; Schedules::render p50 {:.1} µs p99 {:.1} µs over {} runs",
            self.backend,
            self.store_p50_us,
            self.store_p99_us,
            self.render_p50_us,
            self.render_p99_us,
            self.runs
        )
    }
}

/// Stores the board's members in `database`, then times `--service-renders` reactions: each
/// stored with `set_reaction` and followed by `Schedules::render`, as the coalesced edit does.
pub(crate) async fn service(
    env: &Env<'_>,
    database: &BenchDatabase,
) -> anyhow::Result<ServiceTiming> {
    let args = env.args;
    let store = setup::store(database).await?;
    let guild = GuildId(1_240_000_000_000_000_001);
    store
        .upsert_guild(&GuildRecord {
            id: guild,
            name: "Bench Render".to_owned(),
            joined_at: Utc::now(),
            left_at: None,
        })
        .await?;
    let schedules = Arc::new(Schedules::new(Arc::clone(&store), Clock::system()));
    let (plan, day) = plan()?;
    schedules
        .set_up(
            guild,
            &ScheduleSettings {
                channel_id: ChannelId(1_240_000_000_000_000_002),
                post_minute: plan.time.to_minutes(),
                window_start: 18,
                window_hours: HOURS,
                weekdays: Weekdays::ALL.bits(),
            },
            plan.tz,
        )
        .await?;
    store
        .save_rank(
            guild,
            &Rank {
                key: "captain".to_owned(),
                name: "Captain".to_owned(),
                emoji: "⭐".to_owned(),
            },
        )
        .await?;
    let slots = plan.slots(day);
    let members = members(args.members, slots.len());
    store_members(store.as_ref(), guild, day, &members).await?;
    let plan = schedules.plan(guild).await?.context("the post is set up")?;
    let mut stored = Vec::new();
    let mut rendered = Vec::new();
    let total = args.service_renders + WARM_UP / 10;
    for n in 0..total {
        // A member who already reacted adds, then takes back, one more hour: the board's size
        // stays the same from run to run.
        let who = &members[usize::try_from(n)? % members.len()];
        let hour = i64::try_from(slots.len() - 1)?;
        let added = n % 2 == 0;
        let started = Instant::now();
        store
            .set_reaction(guild, day, who.user, hour, added)
            .await?;
        let between = Instant::now();
        let text = schedules.render(guild, &plan, day).await?;
        let done = Instant::now();
        black_box(text);
        if n >= WARM_UP / 10 {
            stored.push((between - started).as_secs_f64() * 1e6);
            rendered.push((done - between).as_secs_f64() * 1e6);
        }
    }
    store.close().await;
    stored.sort_by(f64::total_cmp);
    rendered.sort_by(f64::total_cmp);
    Ok(ServiceTiming {
        backend: database.backend(),
        runs: args.service_renders,
        store_p50_us: percentile(&stored, 0.5),
        store_p99_us: percentile(&stored, 0.99),
        store_max_us: stored.last().copied().unwrap_or(f64::NAN),
        render_p50_us: percentile(&rendered, 0.5),
        render_p99_us: percentile(&rendered, 0.99),
        render_max_us: rendered.last().copied().unwrap_or(f64::NAN),
    })
}

/// Writes what the members did into the store, as the bot would have recorded it.
async fn store_members(
    store: &dyn trakker::store::Store,
    guild: GuildId,
    day: NaiveDate,
    members: &[Member],
) -> anyhow::Result<()> {
    for m in members {
        for hour in &m.hours {
            store
                .set_reaction(guild, day, m.user, i64::try_from(*hour)?, true)
                .await?;
        }
        if m.not_today {
            store
                .set_reaction(guild, day, m.user, NOT_TODAY_SLOT, true)
                .await?;
        }
        if m.weekly {
            // Every day from 18:00 to 20:00 on the member's own clock.
            store
                .save_weekly_schedule(guild, m.user, [0b11 << 18; 7])
                .await?;
            store
                .set_member_zone(
                    guild,
                    m.user,
                    Some(&MemberZone {
                        timezone: "Europe/Berlin".to_owned(),
                        private: false,
                    }),
                    Utc::now(),
                )
                .await?;
        }
        if let Some(hour) = m.voice {
            store
                .add_voice_mark(guild, day, m.user, i64::try_from(hour)?)
                .await?;
        }
        if m.ranked {
            store
                .set_member_rank(guild, m.user, Some("captain"))
                .await?;
        }
    }
    Ok(())
}
