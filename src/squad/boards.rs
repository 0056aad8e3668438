//! Leaderboards served from the cache and always equal to the ledger.
//!
//! Each board ([`BoardScope`]) is a sorted set in the cache. A board is *fresh* in this process
//! once it was rebuilt from the store; from then on every /track and /untrack that counts on it
//! adjusts it in the cache, so a read is one atomic cache call. A board that is not fresh is
//! rebuilt from the store the first time it is read.
//!
//! Why this stays exact:
//! - A guild's interactions all reach the one process running its shard, so one process owns a
//!   guild's boards. Within it, a per-guild lock lets any number of writes (store commit, then
//!   increments) run together, while a rebuild waits for them and holds them off: a rebuild never
//!   misses a write that committed, nor sees one twice.
//! - Nothing in the cache is trusted at start-up: every board starts stale, so increments lost
//!   to a crash between the commit and the cache are never served.
//! - The cache can lose a board without any call failing: Redis restarted empty, an operator's
//!   `FLUSHALL`, eviction under `maxmemory`, a failover to a replica that missed the last writes.
//!   Every board therefore carries a seal that counts the writes made to it since its rebuild,
//!   and increments only apply while the seal is there. A read or write that finds the seal gone,
//!   or a count other than this process made, rebuilds the board from the ledger.
//! - When a cache call fails, every board of the guild becomes stale and reads answer from the
//!   store until a rebuild succeeds. Whether the cache is worth a call during an outage, and
//!   logging the outage, is the cache's own breaker's business ([`crate::cache::CacheHealth`]):
//!   it fails calls at once between retries, so commands do not wait on a dead Redis.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Days;
use tokio::sync::RwLock;

use crate::cache::{Cache, CacheError, Ranked};
use crate::clock::Clock;
use crate::domain::board::{ranked, BoardScope, Span, Standing};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::kills::{LedgerEntry, NewEntry};
use crate::store::squad::Recorded;
use crate::store::{Store, StoreError};

/// Windows older than this many days are no longer kept current (no period reaches further).
const OLDEST_WINDOW_DAYS: u64 = 31;

/// A board as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardView {
    /// The top players, best first.
    pub top: Vec<Standing>,
    /// The caller's 1-based position and total, when they are on the board.
    pub caller: Option<(u64, i64)>,
}

impl BoardView {
    /// The view `caller` read with `limit + hidden.len()` players, with the members who chose
    /// `/privacy hide` left out of the top, keeping `limit`. A hidden caller gets no place;
    /// another caller's place no longer counts the hidden players read above them.
    #[must_use]
    pub fn without(mut self, hidden: &[UserId], caller: UserId, limit: usize) -> Self {
        self.caller = if hidden.contains(&caller) {
            None
        } else {
            self.caller.map(|(place, total)| {
                let read_above = usize::try_from(place.saturating_sub(1)).unwrap_or(usize::MAX);
                let hidden_above = self
                    .top
                    .iter()
                    .take(read_above)
                    .filter(|standing| hidden.contains(&standing.player))
                    .count();
                (place - hidden_above as u64, total)
            })
        };
        self.top
            .retain(|standing| !hidden.contains(&standing.player));
        self.top.truncate(limit);
        self
    }
}

/// The leaderboards of every guild this process serves.
pub struct Leaderboards {
    store: Arc<dyn Store>,
    cache: Arc<dyn Cache>,
    clock: Clock,
    guilds: Mutex<HashMap<GuildId, Arc<GuildBoards>>>,
}

/// The member every board in the cache carries below all players: its score is `-1 - writes`,
/// the number of increments since the board was rebuilt. A board without it was flushed,
/// evicted or lost in a restart; a board whose count differs from this process's came back
/// from a lagging replica or an old snapshot. Either way it is rebuilt from the ledger.
const SEAL: &str = "seal";

#[derive(Default)]
struct GuildBoards {
    /// Writes hold it shared; a rebuild holds it exclusively.
    lock: RwLock<()>,
    fresh: Mutex<HashMap<BoardScope, Arc<WriteCount>>>,
}

impl GuildBoards {
    fn fresh(&self) -> std::sync::MutexGuard<'_, HashMap<BoardScope, Arc<WriteCount>>> {
        // The map holds no invariant a panic could break half-way.
        self.fresh.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets that `scope` is fresh because the cache's copy is not what this process wrote.
    fn lost(&self, scope: &BoardScope) {
        if self.fresh().remove(scope).is_some() {
            tracing::info!(
                board = %scope.cache_name(),
                "a leaderboard in the cache was flushed, evicted or restored from an older copy; it is rebuilt from the ledger"
            );
        }
    }
}

/// Increments this process sent to one fresh board since its rebuild: started, and answered.
/// Whatever count the cache holds at a given moment lies between the two, read around the call.
#[derive(Debug, Default)]
struct WriteCount {
    started: AtomicU64,
    finished: AtomicU64,
}

/// The number of increments a seal's score records.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "seal scores are small negative whole numbers"
)]
fn writes_on(seal: f64) -> Option<u64> {
    let writes = -1.0 - seal;
    (writes >= 0.0 && writes.fract() == 0.0).then_some(writes as u64)
}

impl Leaderboards {
    /// Boards counted from the ledger in `store` and kept in `cache`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, cache: Arc<dyn Cache>, clock: Clock) -> Self {
        Self {
            store,
            cache,
            clock,
            guilds: Mutex::default(),
        }
    }

    fn guild(&self, guild: GuildId) -> Arc<GuildBoards> {
        let mut guilds = self.guilds.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(guilds.entry(guild).or_default())
    }

    /// Notes a failed cache call: every board of `boards` goes stale. An outage was already
    /// logged by the cache; anything else is a bug here, logged each time.
    fn cache_failed(boards: &GuildBoards, error: &CacheError) {
        if !error.is_outage() {
            tracing::warn!(%error, "cache call refused (a bug, not an outage); answering from the database");
        }
        boards.fresh().clear();
    }

    /// Appends `new` to the ledger and keeps the fresh boards current.
    ///
    /// # Errors
    /// When the store fails; the cache never makes this fail.
    pub async fn record(&self, new: &NewEntry) -> Result<Recorded, StoreError> {
        let boards = self.guild(new.guild_id);
        let _writing = boards.lock.read().await;
        let recorded = match self.store.record_kill(new).await {
            Ok(recorded) => recorded,
            Err(error) => {
                if matches!(error, StoreError::InDoubt(_)) {
                    // The entry may be in the ledger without having been counted here: let the
                    // boards be rebuilt from the ledger rather than guess.
                    boards.fresh().clear();
                }
                return Err(error);
            }
        };
        if !recorded.replayed {
            self.adjust(&boards, &recorded.entry, f64::from(recorded.entry.count))
                .await;
        }
        Ok(recorded)
    }

    /// Marks entry `id` undone and takes it off the fresh boards; `None` when there is no such
    /// entry or it was already undone.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn undo(
        &self,
        guild: GuildId,
        id: i64,
        by: UserId,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let boards = self.guild(guild);
        let _writing = boards.lock.read().await;
        let Some(undone) = self
            .store
            .undo_entry(guild, id, by, self.clock.now())
            .await?
        else {
            return Ok(None);
        };
        // The boards counted the entry as it was before the undo.
        let counted = LedgerEntry {
            undone_at: None,
            undone_by: None,
            ..undone.clone()
        };
        self.adjust(&boards, &counted, -f64::from(counted.count))
            .await;
        Ok(Some(undone))
    }

    /// Takes `player`, whose ledger entries the store has just made anonymous, off every board
    /// of `guild` in the cache, fresh or not, so no cached copy names them. Runs while no board
    /// of the guild is written or rebuilt, so a rebuild that read the ledger before the erasure
    /// cannot put them back.
    ///
    /// # Errors
    /// When the cache fails: the boards go stale (reads answer from the store), and the call
    /// should be retried so the copies in the cache lose the player too.
    pub async fn remove_player(&self, guild: GuildId, player: UserId) -> Result<(), CacheError> {
        let boards = self.guild(guild);
        let _rebuilding = boards.lock.write().await;
        match self.cache.zrem_guild(guild, &player.to_string()).await {
            Ok(_) => Ok(()),
            Err(error) => {
                Self::cache_failed(&boards, &error);
                Err(error)
            }
        }
    }

    /// Adds `delta` for `entry` to every fresh board that counts it.
    async fn adjust(&self, boards: &GuildBoards, entry: &LedgerEntry, delta: f64) {
        let targets: Vec<(BoardScope, Arc<WriteCount>)> = {
            let mut fresh = boards.fresh();
            let oldest = self
                .clock
                .now()
                .date_naive()
                .checked_sub_days(Days::new(OLDEST_WINDOW_DAYS));
            fresh.retain(|scope, _| match (scope.span, oldest) {
                (Span::Since(day), Some(oldest)) => day >= oldest,
                _ => true,
            });
            fresh
                .iter()
                .filter(|(scope, _)| scope.includes(entry))
                .map(|(scope, count)| (scope.clone(), Arc::clone(count)))
                .collect()
        };
        let member = entry.player_id.to_string();
        for (scope, count) in targets {
            let answered_before = count.finished.load(Ordering::SeqCst);
            count.started.fetch_add(1, Ordering::SeqCst);
            let result = match self.cache.guild_key(entry.guild_id, &scope.cache_name()) {
                Ok(key) => self.cache.zincr_sealed(&key, SEAL, &member, delta).await,
                Err(error) => Err(error),
            };
            let started_after = count.started.load(Ordering::SeqCst);
            match result {
                Ok(Some(seal)) => {
                    count.finished.fetch_add(1, Ordering::SeqCst);
                    let expected = answered_before + 1..=started_after;
                    if !writes_on(seal).is_some_and(|writes| expected.contains(&writes)) {
                        boards.lost(&scope);
                    }
                }
                Ok(None) => boards.lost(&scope),
                Err(error) => {
                    Self::cache_failed(boards, &error);
                    return;
                }
            }
        }
    }

    /// The top `limit` of a board and `caller`'s place on it: from the cache when the board is
    /// fresh, else from the store (rebuilding the cache's copy on the way).
    ///
    /// # Errors
    /// When the store fails; the cache never makes this fail.
    pub async fn view(
        &self,
        guild: GuildId,
        scope: &BoardScope,
        caller: UserId,
        limit: usize,
    ) -> Result<BoardView, StoreError> {
        let boards = self.guild(guild);
        let count = boards.fresh().get(scope).cloned();
        if let Some(count) = count {
            let _reading = boards.lock.read().await;
            let answered_before = count.finished.load(Ordering::SeqCst);
            let cached = self.read_cached(guild, scope, caller, limit).await;
            let started_after = count.started.load(Ordering::SeqCst);
            match cached {
                Ok(Some((seal, view)))
                    if writes_on(seal).is_some_and(|writes| {
                        (answered_before..=started_after).contains(&writes)
                    }) =>
                {
                    return Ok(view);
                }
                Ok(_) => boards.lost(scope),
                Err(error) => Self::cache_failed(&boards, &error),
            }
        }
        let _rebuilding = boards.lock.write().await;
        let standings = ranked(self.store.board_totals(guild, scope).await?);
        self.rebuild_cached(&boards, guild, scope, &standings).await;
        Ok(view_of(standings, caller, limit))
    }

    /// Replaces the cache's copy of a board with `standings` and a new seal, and marks the board
    /// fresh. During an outage the cache's breaker answers at once, without waiting on Redis.
    async fn rebuild_cached(
        &self,
        boards: &GuildBoards,
        guild: GuildId,
        scope: &BoardScope,
        standings: &[Standing],
    ) {
        let seal = Ranked {
            member: SEAL.to_owned(),
            score: -1.0,
        };
        let entries: Vec<Ranked> = standings
            .iter()
            .map(|standing| Ranked {
                member: standing.player.to_string(),
                // Totals are far below 2^53, where f64 stops being exact.
                #[expect(clippy::cast_precision_loss, reason = "totals stay far below 2^53")]
                score: standing.total as f64,
            })
            .chain([seal])
            .collect();
        let result = match self.cache.guild_key(guild, &scope.cache_name()) {
            Ok(key) => self.cache.zreplace(&key, &entries).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => {
                boards.fresh().insert(scope.clone(), Arc::default());
            }
            Err(error) => Self::cache_failed(boards, &error),
        }
    }

    /// The cached board with its seal's score, or `None` when the seal is gone.
    async fn read_cached(
        &self,
        guild: GuildId,
        scope: &BoardScope,
        caller: UserId,
        limit: usize,
    ) -> Result<Option<(f64, BoardView)>, CacheError> {
        let key = self.cache.guild_key(guild, &scope.cache_name())?;
        let Some(cached) = self
            .cache
            .zview_sealed(&key, SEAL, limit, &caller.to_string())
            .await?
        else {
            return Ok(None);
        };
        let top: Vec<Standing> = cached
            .top
            .into_iter()
            .filter_map(|entry| {
                let player = entry.member.parse().ok().map(UserId)?;
                Some(Standing {
                    player,
                    total: score_to_total(entry.score),
                })
            })
            .filter(|standing| standing.total > 0)
            .collect();
        let caller = match (cached.rank, cached.score.map(score_to_total)) {
            (Some(rank), Some(total)) if total > 0 => Some((rank + 1, total)),
            _ => None,
        };
        Ok(Some((cached.seal, BoardView { top, caller })))
    }
}

/// A board's view from its full ranking.
fn view_of(standings: Vec<Standing>, caller: UserId, limit: usize) -> BoardView {
    let position = standings
        .iter()
        .position(|standing| standing.player == caller);
    let caller = position.map(|index| (index as u64 + 1, standings[index].total));
    let mut top = standings;
    top.truncate(limit);
    BoardView { top, caller }
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "scores are sums of whole numbers far below 2^53"
)]
fn score_to_total(score: f64) -> i64 {
    score.round() as i64
}

#[cfg(test)]
mod view_tests {
    use super::*;

    fn standing(player: u64, total: i64) -> Standing {
        Standing {
            player: UserId(player),
            total,
        }
    }

    #[test]
    fn hidden_players_leave_the_top_and_places_close_up() {
        let view = BoardView {
            top: vec![
                standing(1, 9),
                standing(2, 8),
                standing(3, 7),
                standing(4, 6),
            ],
            caller: Some((4, 6)),
        };
        let shown = view.clone().without(&[UserId(2)], UserId(4), 2);
        assert_eq!(shown.top, [standing(1, 9), standing(3, 7)]);
        assert_eq!(shown.caller, Some((3, 6)), "one hidden player above");
        let hidden_caller = view.without(&[UserId(4)], UserId(4), 3);
        assert_eq!(hidden_caller.caller, None);
        assert_eq!(hidden_caller.top.len(), 3);
    }
}
