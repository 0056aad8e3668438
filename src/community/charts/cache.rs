//! What the charts read, kept per guild between draws: the voice stays every voice chart starts
//! from, with the two tables the charts read made from them, and the message counts
//! ([`super::message_counts`]).
//!
//! Reading a year of a large server's voice ledger costs more than everything the charts then
//! compute (700,000 rows: about a second through the database drivers), and the ledger only
//! grows: a stay once closed never changes. So the first draw for a guild reads its whole
//! ledger, and each later draw reads only the stays appended since and those that were still
//! open. The closed stays are kept by channel ([`ChannelStays`]); the hours per member
//! ([`HourTable`]) and the time together per pair ([`PairTable`]) are made from them the first
//! time a chart needs them, on the server's clock, and from then on grow with each stay that
//! closes. What a draw sees is exactly what the store holds at that moment.
//!
//! A guild's entry is dropped within a minute once [`IDLE`] passed without a draw
//! ([`ChartCache::release_idle`]), so the memory it takes (about 24 bytes a stay, 8 a
//! member-hour and 16 a pair-day) is only held while moderators are looking at charts. Anything
//! that removes rows from the ledger must call [`ChartCache::forget`] for the guild.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::OwnedMutexGuard;

use super::message_counts::GuildMessages;
use crate::domain::coplay::{ChannelStays, PairTable, VoiceStay};
use crate::domain::ids::GuildId;
use crate::domain::voice_time::hour_table::HourTable;
use crate::ingest::WrittenHours;
use crate::store::charts::LedgerStay;
use crate::store::{Store, StoreError};

/// Ledger rows read per query: a first read of a large server's year comes in pages, each folded
/// in before the next is read, so the rows are never all held at once beside the stays.
pub const LEDGER_PAGE: usize = 50_000;

/// How long a guild's stays are kept after its last draw.
pub const IDLE: Duration = Duration::from_secs(15 * 60);

/// One guild's stays and message counts as last read.
#[derive(Debug, Default)]
pub(super) struct GuildHistory {
    /// Message counts per channel and hour.
    pub(super) messages: GuildMessages,
    /// Closed stays.
    closed: ChannelStays,
    /// Stays open at the last read: their ids and starts.
    open: Vec<LedgerStay>,
    /// The highest ledger id read.
    last_id: i64,
    /// The moment of the last read (unix ms): where open stays end.
    read_ms: i64,
    /// When a draw last used them.
    used: Option<Instant>,
    /// Hours per member, once a chart needed them.
    hours: Option<HourTable>,
    /// Time together per pair, once a chart needed it.
    pairs: Option<PairTable>,
}

impl GuildHistory {
    /// Folds in one page of what the store returned since the last read: closed stays go into
    /// the channels (and the tables made so far); open ones are returned.
    fn absorb_page(&mut self, rows: Vec<LedgerStay>) -> Vec<LedgerStay> {
        // Only an hour table already made needs the new stays as a batch.
        let mut for_hours = Vec::new();
        let mut open = Vec::new();
        for row in rows {
            self.last_id = self.last_id.max(row.id);
            let Some(end_ms) = row.end_ms else {
                open.push(row);
                continue;
            };
            let stay = VoiceStay {
                user: row.user.0,
                channel: row.channel.0,
                start_ms: row.start_ms,
                end_ms,
            };
            if let Some(pairs) = &mut self.pairs {
                pairs.add(&self.closed, &stay);
            }
            if self.hours.is_some() {
                for_hours.push(stay);
            }
            self.closed.insert(&stay);
        }
        if let Some(hours) = &mut self.hours {
            hours.add(&for_hours);
        }
        open
    }

    /// Ends a read made at `read_ms`: `open` are the stays open now, every one of them.
    fn finish_read(&mut self, open: Vec<LedgerStay>, read_ms: i64) {
        if self.read_ms == 0 && self.closed.len() > 4096 {
            // A first read: the channels grew by doubling, with room to spare.
            self.closed.shrink_to_fit();
        }
        self.open = open;
        self.read_ms = read_ms;
        let open = self.open_stays();
        if let Some(hours) = &mut self.hours {
            hours.set_open(&open);
        }
        if let Some(pairs) = &mut self.pairs {
            pairs.set_open(&self.closed, &open);
        }
    }

    /// The open stays, running to the moment of the read.
    fn open_stays(&self) -> Vec<VoiceStay> {
        self.open
            .iter()
            .map(|stay| VoiceStay {
                user: stay.user.0,
                channel: stay.channel.0,
                start_ms: stay.start_ms,
                end_ms: self.read_ms.max(stay.start_ms),
            })
            .collect()
    }

    /// The stays (of `channel` alone when given) overlapping `[since, until)`, clamped to it.
    pub(super) fn clamped(
        &self,
        since_ms: i64,
        until_ms: i64,
        channel: Option<u64>,
    ) -> Vec<VoiceStay> {
        let closed: Box<dyn Iterator<Item = VoiceStay>> = match channel {
            Some(channel) => Box::new(self.closed.in_channel(channel)),
            None => Box::new(self.closed.iter()),
        };
        closed
            .chain(
                self.open_stays()
                    .into_iter()
                    .filter(|stay| channel.is_none_or(|c| c == stay.channel)),
            )
            .filter_map(|stay| {
                let start_ms = stay.start_ms.max(since_ms);
                let end_ms = stay.end_ms.min(until_ms);
                (end_ms > start_ms).then_some(VoiceStay {
                    start_ms,
                    end_ms,
                    ..stay
                })
            })
            .collect()
    }

    /// Each member's time in voice within `[since, until)` (ms).
    pub(super) fn voice_ms(&self, since_ms: i64, until_ms: i64) -> HashMap<u64, i64> {
        let mut totals: HashMap<u64, i64> = HashMap::new();
        for stay in self.closed.iter().chain(self.open_stays()) {
            let ms = stay.end_ms.min(until_ms) - stay.start_ms.max(since_ms);
            if ms > 0 {
                *totals.entry(stay.user).or_default() += ms;
            }
        }
        totals
    }

    /// The hours per member on the clock of `tz`, made now if no chart needed them yet (or
    /// on another clock).
    pub(super) fn hours(&mut self, tz: Tz) -> &HourTable {
        if self.hours.as_ref().is_none_or(|hours| hours.tz() != tz) {
            let closed: Vec<VoiceStay> = self.closed.iter().collect();
            let mut hours = HourTable::from_stays(&closed, tz);
            hours.set_open(&self.open_stays());
            self.hours = Some(hours);
        }
        self.hours.get_or_insert_with(|| HourTable::new(tz))
    }

    /// The time together per pair on the clock of `tz`, made now if no chart needed it yet
    /// (or on another clock).
    pub(super) fn pairs(&mut self, tz: Tz) -> &mut PairTable {
        if self.pairs.as_ref().is_none_or(|pairs| pairs.tz() != tz) {
            let mut pairs = PairTable::build(tz, &self.closed);
            pairs.set_open(&self.closed, &self.open_stays());
            self.pairs = Some(pairs);
        }
        self.pairs.get_or_insert_with(|| PairTable::new(tz))
    }
}

/// A guild's stays as read for one draw, held until the draw is done: a second draw for the
/// same guild waits for it instead of reading the ledger again.
pub(super) type History = OwnedMutexGuard<GuildHistory>;

/// Every guild's stays and message counts, each guild behind its own lock so that two draws for
/// one guild read the store once and draws for different guilds never wait for each other.
#[derive(Debug, Default)]
pub struct ChartCache {
    guilds: Mutex<HashMap<GuildId, Arc<tokio::sync::Mutex<GuildHistory>>>>,
    /// The message hours the ingest wrote late.
    written: Arc<WrittenHours>,
    /// Ledger rows per query ([`LEDGER_PAGE`] unless set).
    page: Option<usize>,
}

impl ChartCache {
    /// An empty cache whose message counts follow what the ingest notes in `written`
    /// ([`crate::ingest::Ingest::written`]): without it, an hour written late (after a database
    /// outage) would be missed until the guild's entry is dropped.
    #[must_use]
    pub fn new(written: Arc<WrittenHours>) -> Self {
        Self {
            guilds: Mutex::default(),
            written,
            page: None,
        }
    }

    /// The same cache reading the voice ledger `rows` at a time instead of [`LEDGER_PAGE`].
    #[must_use]
    pub fn reading(self, rows: usize) -> Self {
        Self {
            page: Some(rows.max(1)),
            ..self
        }
    }

    /// The guild's message counts, brought up to date with the store as of `now`.
    ///
    /// # Errors
    /// When the store fails.
    pub(super) async fn read_messages(
        &self,
        store: &dyn Store,
        guild: GuildId,
        now: DateTime<Utc>,
    ) -> Result<History, StoreError> {
        let mut history = self.entry(guild).lock_owned().await;
        history
            .messages
            .read(store, guild, now, &self.written)
            .await?;
        history.used = Some(Instant::now());
        Ok(history)
    }

    /// The guild's stays, brought up to date with the ledger as of `now`.
    ///
    /// # Errors
    /// When the store fails: on the first page, what was kept stays as it was; later, the
    /// guild's entry is emptied, so the next read starts over instead of folding pages in twice.
    pub(super) async fn read(
        &self,
        store: &dyn Store,
        guild: GuildId,
        now: DateTime<Utc>,
    ) -> Result<History, StoreError> {
        let mut stays = self.entry(guild).lock_owned().await;
        let mut open: Vec<i64> = stays.open.iter().map(|stay| stay.id).collect();
        let mut reopened = Vec::new();
        let mut pages = 0;
        let page = self.page.unwrap_or(LEDGER_PAGE);
        loop {
            let rows = match store.ledger_stays(guild, stays.last_id, &open, page).await {
                Ok(rows) => rows,
                Err(error) => {
                    // Pages already folded in moved `last_id` on: start again from nothing
                    // rather than keep half a read.
                    if pages > 0 {
                        *stays = GuildHistory::default();
                    }
                    return Err(error);
                }
            };
            let last_page = rows.len() < page;
            // Open stays are asked for on the first page only; those still open stay listed.
            open.clear();
            reopened.extend(stays.absorb_page(rows));
            pages += 1;
            if last_page {
                break;
            }
        }
        stays.finish_read(reopened, now.timestamp_millis());
        stays.used = Some(Instant::now());
        Ok(stays)
    }

    /// The guild's stays outside AFK channels (bots left out) overlapping `[since, until)`,
    /// clamped to it, in no particular order: the same as [`crate::store::ChartStore::voice_stays`]
    /// returns, read incrementally.
    ///
    /// # Errors
    /// When the store fails; a read that fails after its first page empties the guild's entry.
    pub async fn stays(
        &self,
        store: &dyn Store,
        guild: GuildId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<VoiceStay>, StoreError> {
        let stays = self.read(store, guild, until).await?;
        Ok(stays.clamped(since.timestamp_millis(), until.timestamp_millis(), None))
    }

    /// Drops what is kept for `guild`: its next draw reads the whole ledger again. Call it after
    /// removing stays from the store (erasing a member, retention).
    pub fn forget(&self, guild: GuildId) {
        self.lock().remove(&guild);
    }

    /// How many guilds have stays kept.
    #[must_use]
    pub fn guilds(&self) -> usize {
        self.lock().len()
    }

    /// Drops the stays of every guild without a draw for [`IDLE`]; the bot calls it every
    /// minute, and every draw does too.
    pub fn release_idle(&self) {
        self.release_unused_for(IDLE);
    }

    fn release_unused_for(&self, idle: Duration) {
        self.lock().retain(|_, entry| {
            // An entry in use (locked) is kept; so is one never used yet (being filled).
            entry.try_lock().map_or(true, |stays| {
                stays.used.is_none_or(|used| used.elapsed() < idle)
            })
        });
    }

    /// The guild's entry, created empty; idle ones are dropped on the way.
    fn entry(&self, guild: GuildId) -> Arc<tokio::sync::Mutex<GuildHistory>> {
        self.release_idle();
        Arc::clone(self.lock().entry(guild).or_default())
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<GuildId, Arc<tokio::sync::Mutex<GuildHistory>>>> {
        self.guilds.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ChannelId, UserId};

    /// One read of `rows` in one page, made at `read_ms`.
    fn absorb(stays: &mut GuildHistory, rows: Vec<LedgerStay>, read_ms: i64) {
        let open = stays.absorb_page(rows);
        stays.finish_read(open, read_ms);
    }

    fn row(id: i64, user: u64, start_ms: i64, end_ms: Option<i64>) -> LedgerStay {
        LedgerStay {
            id,
            user: UserId(user),
            channel: ChannelId(7),
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn idle_guilds_are_released_and_busy_ones_kept() {
        let cache = ChartCache::default();
        let used = |ago: Duration| GuildHistory {
            used: Instant::now().checked_sub(ago),
            ..GuildHistory::default()
        };
        cache.lock().insert(GuildId(1), Arc::default());
        cache.lock().insert(
            GuildId(2),
            Arc::new(tokio::sync::Mutex::new(used(Duration::from_secs(60)))),
        );
        cache.lock().insert(
            GuildId(3),
            Arc::new(tokio::sync::Mutex::new(used(Duration::ZERO))),
        );
        cache.release_unused_for(Duration::from_secs(30));
        let mut left: Vec<u64> = cache.lock().keys().map(|guild| guild.0).collect();
        left.sort_unstable();
        assert_eq!(
            left,
            [1, 3],
            "the one idle for a minute goes; new and recent ones stay"
        );
        cache.forget(GuildId(3));
        assert_eq!(cache.guilds(), 1);
    }

    #[test]
    fn open_stays_close_on_a_later_read_and_everything_is_clamped_to_the_period() {
        let mut stays = GuildHistory::default();
        absorb(
            &mut stays,
            vec![row(1, 1, 0, Some(100)), row(2, 2, 50, None)],
            80,
        );
        assert_eq!(stays.last_id, 2);
        assert_eq!(stays.open.len(), 1);
        let now = stays.clamped(20, 80, None);
        assert_eq!(
            now,
            [
                VoiceStay {
                    user: 1,
                    channel: 7,
                    start_ms: 20,
                    end_ms: 80
                },
                VoiceStay {
                    user: 2,
                    channel: 7,
                    start_ms: 50,
                    end_ms: 80
                },
            ]
        );
        // The open stay came back closed, and a new one began.
        absorb(
            &mut stays,
            vec![row(2, 2, 50, Some(120)), row(3, 1, 130, None)],
            140,
        );
        assert_eq!(stays.last_id, 3);
        assert_eq!(stays.open.iter().map(|s| s.id).collect::<Vec<_>>(), [3]);
        let later = stays.clamped(0, 140, None);
        assert_eq!(later.len(), 3);
        assert!(later.contains(&VoiceStay {
            user: 2,
            channel: 7,
            start_ms: 50,
            end_ms: 120
        }));
        assert!(later.contains(&VoiceStay {
            user: 1,
            channel: 7,
            start_ms: 130,
            end_ms: 140
        }));
        assert!(
            stays.clamped(100, 110, None).iter().all(|s| s.user == 2),
            "only what overlaps"
        );
    }
}
