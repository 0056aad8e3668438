//! The calls: /about (the floor), /leaderboard, /stats and /track, one at a time, each command
//! warmed up and then measured. Callers and players rotate through the guild's members.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use fakecord::api::{CommandInvocation, GuildInfo, InteractionOutcome, OptionSpec};
use fakecord::{Fakecord, Snowflake};

use crate::report::CacheKind;
use trakker_bench::database::Backend;

/// A command the benchmark measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// No database, no cache: gateway, poise and one REST call.
    About,
    /// The top 10 of the all-time kill board and the caller's rank, default options.
    Leaderboard,
    /// Another member's stats (their ledger entries and board rank).
    Stats,
    /// One to five kills for another member.
    Track,
    /// The same with the server's achievements turned off: what checking them costs /track.
    TrackWithoutAchievements,
}

impl Command {
    /// In the order they are measured: /track last, so the boards it grows are read as loaded.
    pub(crate) const ALL: [Self; 5] = [
        Self::About,
        Self::Leaderboard,
        Self::Stats,
        Self::Track,
        Self::TrackWithoutAchievements,
    ];

    /// The slash command's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::About => "about",
            Self::Leaderboard => "leaderboard",
            Self::Stats => "stats",
            Self::Track | Self::TrackWithoutAchievements => "track",
        }
    }

    /// How the report names it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::TrackWithoutAchievements => "track (achievements off)",
            other => other.name(),
        }
    }

    /// The p99 the issue asks for, in milliseconds.
    pub(crate) fn target_p99_ms(self) -> Option<f64> {
        match self {
            Self::About => None,
            Self::Leaderboard => Some(10.0),
            Self::Stats => Some(25.0),
            Self::Track | Self::TrackWithoutAchievements => Some(15.0),
        }
    }
}

/// One call's timings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// fakecord's `callback_micros`: dispatch to the bot's callback.
    pub callback: Duration,
    /// The control API call as this program saw it (building, checking and dispatching the
    /// interaction, the bot, and building the outcome).
    pub round_trip: Duration,
}

/// One command measured in one configuration.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// Which command.
    pub command: Command,
    /// The first warm-up call: caches empty (for /leaderboard, the board rebuild).
    pub cold: Sample,
    /// The measured calls, in order.
    pub samples: Vec<Sample>,
}

/// Who calls what, how often.
pub(crate) struct Workload {
    guild: Snowflake,
    /// Members' names and ids, the bot excluded.
    members: Vec<(String, Snowflake)>,
    calls: usize,
    warmup: usize,
    gap: Duration,
}

impl Workload {
    /// The workload for `guild`'s generated members.
    pub(crate) fn new(
        guild: &GuildInfo,
        calls: usize,
        warmup: usize,
        gap_ms: u64,
    ) -> anyhow::Result<Self> {
        let members: Vec<(String, Snowflake)> = guild
            .members
            .iter()
            .filter(|(name, _)| name.starts_with("member-"))
            .map(|(name, id)| (name.clone(), *id))
            .collect();
        anyhow::ensure!(members.len() >= 2, "the guild needs at least two members");
        Ok(Self {
            guild: guild.id,
            members,
            calls,
            warmup: warmup.max(1),
            gap: Duration::from_millis(gap_ms),
        })
    }

    /// The players' user ids, for the ledger.
    pub(crate) fn player_ids(&self) -> Vec<u64> {
        self.members.iter().map(|(_, id)| id.get()).collect()
    }

    /// Call `i` of `command`: caller and target walk the members at different strides.
    fn invocation(&self, command: Command, i: usize) -> CommandInvocation {
        let n = self.members.len();
        let caller = &self.members[(i * 7 + 1) % n].0;
        let target = &self.members[(i * 13 + 5) % n].0;
        let invocation = CommandInvocation::new(self.guild, caller.as_str(), command.name())
            .timeout(Duration::from_secs(30));
        match command {
            Command::About | Command::Leaderboard => invocation,
            Command::Stats => invocation.option(OptionSpec::new("player", target.as_str())),
            Command::Track | Command::TrackWithoutAchievements => invocation
                .option(OptionSpec::new("player", target.as_str()))
                .option(OptionSpec::new("kills", i % 5 + 1)),
        }
    }

    /// Warm-up and measured calls of every command.
    pub(crate) async fn run(
        &self,
        discord: &Fakecord,
        backend: Backend,
        cache: CacheKind,
    ) -> anyhow::Result<Vec<Run>> {
        let mut runs = Vec::new();
        for command in Command::ALL {
            if command == Command::TrackWithoutAchievements {
                self.turn_achievements_off(discord).await?;
            }
            let mut cold = None;
            let mut samples = Vec::with_capacity(self.calls);
            for i in 0..self.warmup + self.calls {
                let sample = self.call(discord, command, i).await.with_context(|| {
                    format!("{backend} + {cache}: /{} call {i}", command.label())
                })?;
                if i == 0 {
                    cold = Some(sample);
                }
                if i >= self.warmup {
                    samples.push(sample);
                }
                tokio::time::sleep(self.gap).await;
            }
            runs.push(Run {
                command,
                cold: cold.context("at least one warm-up call")?,
                samples,
            });
            println!("  {backend} + {cache}: /{} done", command.label());
        }
        Ok(runs)
    }

    /// A manager turns the server's achievements off (`/achievements enabled on:false`).
    async fn turn_achievements_off(&self, discord: &Fakecord) -> anyhow::Result<()> {
        let invocation = CommandInvocation::new(
            self.guild,
            self.members[0].0.as_str(),
            "achievements enabled",
        )
        .option(OptionSpec::new("on", false))
        .permissions(
            fakecord::api::PermissionSet::from_names(["MANAGE_GUILD"])
                .map_err(anyhow::Error::msg)?,
        )
        .timeout(Duration::from_secs(30));
        let outcome = discord.invoke_with(invocation).await?;
        anyhow::ensure!(
            outcome.content.contains("Achievements are off"),
            "/achievements enabled answered: {}",
            outcome.content
        );
        Ok(())
    }

    async fn call(&self, discord: &Fakecord, command: Command, i: usize) -> anyhow::Result<Sample> {
        let started = Instant::now();
        let outcome = discord.invoke_with(self.invocation(command, i)).await?;
        let round_trip = started.elapsed();
        check_answer(command, &outcome)?;
        let micros = outcome
            .callback_micros
            .context("fakecord reported no callback time")?;
        Ok(Sample {
            callback: Duration::from_micros(micros),
            round_trip,
        })
    }
}

/// A user error or an internal error is an ephemeral sentence: the call measured the wrong thing.
fn check_answer(command: Command, outcome: &InteractionOutcome) -> anyhow::Result<()> {
    anyhow::ensure!(
        outcome.response_type == 4 && !outcome.ephemeral,
        "/{} answered with type {} (ephemeral: {}): {}",
        command.name(),
        outcome.response_type,
        outcome.ephemeral,
        outcome.content
    );
    Ok(())
}
