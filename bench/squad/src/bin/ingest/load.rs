//! One run on one database: fakecord's bulk generator sends messages and reactions while a
//! sampler reads, every few milliseconds, how many events were written to the bot's socket, how
//! many the store counts, and the CPU time and memory of the bot, of this program (fakecord) and
//! of the machine; the run ends when the store counts every event sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use fakecord::api::{BulkKind, BulkReport, BulkSpec, MessageSpec};
use fakecord::{Fakecord, Snowflake};
use tokio::sync::watch;
use trakker_bench::database::{ActivityReader, ActivityTotals};
use trakker_bench::proc_stats::{MachineCpu, ProcessSample};

/// What to send.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    /// The guild.
    pub guild: Snowflake,
    /// `MESSAGE_CREATE` events.
    pub messages: u64,
    /// `MESSAGE_REACTION_ADD` events (fakecord turns the add of a reaction a member already
    /// has into its removal, so some arrive as `MESSAGE_REACTION_REMOVE`).
    pub reactions: u64,
    /// Concurrent bulk calls per kind.
    pub streams: u64,
    /// Members the generator picks from.
    pub users: Vec<Snowflake>,
    /// Text channels the generator picks from.
    pub channels: Vec<Snowflake>,
    /// Messages the reactions go to (posted by members before the run).
    pub targets: Vec<Snowflake>,
}

impl Workload {
    /// Every event sent.
    pub(crate) fn events(&self) -> u64 {
        self.messages + self.reactions
    }

    /// The bulk calls: each kind split evenly over `streams` concurrent calls.
    fn specs(&self) -> Vec<BulkSpec> {
        let mut specs = Vec::new();
        for (kind, total) in [
            (BulkKind::MessageCreate, self.messages),
            (BulkKind::ReactionAdd, self.reactions),
        ] {
            let streams = self.streams.max(1);
            for (count, _) in split(total, streams).into_iter().zip(0..) {
                if count == 0 {
                    continue;
                }
                let mut spec = BulkSpec::new(kind, count, self.guild);
                spec.users.clone_from(&self.users);
                spec.channels.clone_from(&self.channels);
                if kind == BulkKind::ReactionAdd {
                    spec.message_ids.clone_from(&self.targets);
                }
                specs.push(spec);
            }
        }
        specs
    }
}

/// `total` split over `streams` calls with counts that all differ: fakecord seeds each call's
/// random picks with its count, and two calls with the same seed would send the same reactions,
/// each taking back the other's.
fn split(total: u64, streams: u64) -> Vec<u64> {
    let base = total / streams;
    let mut counts: Vec<u64> = (0..streams - 1)
        .map(|i| base.saturating_sub(i + 1))
        .collect();
    counts.push(total - counts.iter().sum::<u64>());
    counts
}

/// Members post the messages the reactions will go to: `count` of them, round-robin over the
/// channels. They are messages like any other, so the bot counts them (before the run starts).
pub(crate) async fn post_targets(
    discord: &Fakecord,
    guild: Snowflake,
    users: &[Snowflake],
    channels: &[Snowflake],
    count: usize,
) -> anyhow::Result<Vec<Snowflake>> {
    let mut targets = Vec::with_capacity(count);
    for i in 0..count {
        let spec = MessageSpec::new(
            channels[i % channels.len()],
            users[(i * 37) % users.len()],
            "react to this one",
        );
        let posted = discord
            .post_message(guild, spec)
            .await
            .context("post a message to react to")?;
        targets.push(posted.id);
    }
    Ok(targets)
}

/// One reading of the sampler.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tick {
    /// Since the first bulk call was made.
    pub at: Duration,
    /// Events written to the bot's socket since the run started (fakecord's `written_seq`).
    pub sent: u64,
    /// Events the store counts since the run started.
    pub stored: u64,
    /// The bot.
    pub bot: ProcessSample,
    /// This program: fakecord, the sampler and the bulk calls.
    pub bench: ProcessSample,
    /// The machine.
    pub machine: MachineCpu,
}

/// What one run measured.
pub(crate) struct RunResult {
    /// Every sample, in order.
    pub ticks: Vec<Tick>,
    /// What each bulk call reported (kind, report).
    pub bulk: Vec<(BulkKind, BulkReport)>,
    /// From the first bulk call to the last one returning (every event written to the socket).
    pub sending: Duration,
    /// From the first bulk call to the store counting every event; `None` if it never did.
    pub stored_all: Option<Duration>,
    /// The store's totals after the run, less those before it.
    pub stored: ActivityTotals,
    /// The bot's memory just before it was stopped.
    pub bot_at_end: Option<ProcessSample>,
}

/// Written sequence numbers of the connected sessions (one bot, one shard: one session).
async fn written(discord: &Fakecord) -> anyhow::Result<u64> {
    Ok(discord
        .status()
        .await?
        .sessions
        .iter()
        .filter(|s| s.connected)
        .map(|s| s.written_seq)
        .sum())
}

/// Totals that subtract the ones before the run.
fn since(now: ActivityTotals, before: ActivityTotals) -> ActivityTotals {
    ActivityTotals {
        messages: now.messages.saturating_sub(before.messages),
        reactions_added: now.reactions_added.saturating_sub(before.reactions_added),
        reactions_removed: now
            .reactions_removed
            .saturating_sub(before.reactions_removed),
        app_uses: now.app_uses.saturating_sub(before.app_uses),
    }
}

/// Waits until the store counts `expected` messages in `guild` (the reaction targets), and
/// returns its totals then: with them, the /about calls made while the bot got ready, which it
/// counts as application commands and flushed no later than the messages posted after them.
pub(crate) async fn wait_for_store(
    reader: &mut ActivityReader,
    guild: Snowflake,
    expected: u64,
    timeout: Duration,
) -> anyhow::Result<ActivityTotals> {
    let deadline = Instant::now() + timeout;
    loop {
        let totals = reader.totals(guild.get()).await?;
        if totals.messages >= expected {
            return Ok(totals);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the store counted {} of {expected} messages within {timeout:?}",
            totals.messages
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends the workload and samples until the store has it all or `settle` passes after the last
/// event was written.
pub(crate) async fn run(
    discord: &Fakecord,
    mut reader: ActivityReader,
    bot_pid: u32,
    workload: &Workload,
    sample_every: Duration,
    settle: Duration,
) -> anyhow::Result<RunResult> {
    let guild = workload.guild;
    let before = reader.totals(guild.get()).await?;
    let seq_before = written(discord).await?;
    let ticks: Arc<Mutex<Vec<Tick>>> = Arc::default();
    let (stop, mut stopped) = watch::channel(false);
    let (done_tx, mut done_rx) = watch::channel(None::<Duration>);
    let expected = workload.events();
    let started = Instant::now();

    let sampler = {
        let discord = discord.clone();
        let ticks = Arc::clone(&ticks);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(sample_every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    _ = stopped.changed() => return Ok::<_, anyhow::Error>(reader),
                }
                let sent = written(&discord).await?.saturating_sub(seq_before);
                let stored = since(reader.totals(guild.get()).await?, before).events();
                let tick = Tick {
                    at: started.elapsed(),
                    sent,
                    stored,
                    bot: ProcessSample::read(bot_pid).unwrap_or_default(),
                    bench: ProcessSample::read(std::process::id()).unwrap_or_default(),
                    machine: MachineCpu::read(),
                };
                ticks
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(tick);
                if stored >= expected && done_tx.borrow().is_none() {
                    let _ = done_tx.send(Some(tick.at));
                }
            }
        })
    };
    // The first tick (at ~0) is the baseline for CPU time.
    tokio::time::sleep(Duration::from_millis(5)).await;

    let calls = workload.specs().into_iter().map(|spec| {
        let discord = discord.clone();
        async move {
            let report = discord
                .bulk(&spec)
                .await
                .with_context(|| format!("bulk {:?} × {}", spec.kind, spec.count))?;
            anyhow::Ok((spec.kind, report))
        }
    });
    let bulk = spawn_all(calls).await;
    let sending = started.elapsed();
    let bulk = bulk.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    let stored_all = tokio::time::timeout(settle, done_rx.wait_for(Option::is_some))
        .await
        .ok()
        .and_then(|seen| seen.ok().and_then(|at| *at));
    let bot_at_end = ProcessSample::read(bot_pid);
    let _ = stop.send(true);
    let mut reader = sampler.await.context("the sampler panicked")??;
    let stored = since(reader.totals(guild.get()).await?, before);
    let ticks = std::mem::take(&mut *ticks.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(RunResult {
        ticks,
        bulk,
        sending,
        stored_all,
        stored,
        bot_at_end,
    })
}

/// Runs the futures concurrently, each on its own task, and returns their outputs in order.
async fn spawn_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.await {
            Ok(output) => out.push(output),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_get_distinct_counts_that_add_up() {
        for (total, streams) in [(250_000, 1), (250_000, 2), (250_000, 3), (10, 3)] {
            let counts = split(total, streams);
            assert_eq!(counts.iter().sum::<u64>(), total);
            let mut distinct = counts.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), counts.len(), "{counts:?}");
        }
    }
}
