//! The kill ledger's values: what one `/track` records, validated before it reaches the store.
//!
//! Every constructor here re-checks what Discord's client already enforced, because a forged
//! interaction can send anything: a value that exists as one of these types is valid.

use chrono::{DateTime, Utc};

use super::ids::{ChannelId, GuildId, InteractionId, UserId};

/// The most kills one `/track` may record: a typo of `1000` must not land in the ledger.
pub const MAX_KILLS_PER_ENTRY: i64 = 100;

/// The longest note a ledger entry keeps, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// What a ledger entry counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KillKind {
    /// An enemy taken down.
    Kill,
    /// A teammate taken down by mistake (or not).
    Teamkill,
}

impl KillKind {
    /// Both kinds, kills first.
    pub const ALL: [Self; 2] = [Self::Kill, Self::Teamkill];

    /// A short lowercase label for keys and logs: `kills` or `teamkills`.
    #[must_use]
    pub const fn slug(self) -> &'static str {
        match self {
            Self::Kill => "kills",
            Self::Teamkill => "teamkills",
        }
    }

    /// The word for `n` of this kind as users read it: "1 kill", "2 team kills" (without the
    /// number).
    #[must_use]
    pub const fn noun(self, n: i64) -> &'static str {
        match (self, n) {
            (Self::Kill, 1) => "kill",
            (Self::Teamkill, 1) => "team kill",
            (kind, _) => kind.plural(),
        }
    }

    /// The plural as users read it: "kills" or "team kills".
    #[must_use]
    pub const fn plural(self) -> &'static str {
        match self {
            Self::Kill => "kills",
            Self::Teamkill => "team kills",
        }
    }
}

/// A number of kills for one entry: 1 to [`MAX_KILLS_PER_ENTRY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KillCount(u8);

impl KillCount {
    /// Checks a count as typed (or forged).
    ///
    /// # Errors
    /// A sentence for the user when `value` is not between 1 and [`MAX_KILLS_PER_ENTRY`].
    pub fn parse(value: i64) -> Result<Self, String> {
        if (1..=MAX_KILLS_PER_ENTRY).contains(&value) {
            // In range, so it fits a u8.
            u8::try_from(value)
                .map(Self)
                .map_err(|_| out_of_range(value))
        } else {
            Err(out_of_range(value))
        }
    }

    /// The count.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0 as u32
    }
}

fn out_of_range(value: i64) -> String {
    format!(
        "Kills must be a whole number from 1 to {MAX_KILLS_PER_ENTRY}; {value} was not recorded."
    )
}

/// An optional note on an entry ("clutch with the last bullet"), at most [`MAX_NOTE_CHARS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    /// Checks the note with the rules of every free-text option ([`super::text`]); a blank note
    /// is no note.
    ///
    /// # Errors
    /// A sentence for the user when the note is longer than [`MAX_NOTE_CHARS`] characters, spans
    /// several lines, or holds invisible or direction-changing characters. Nothing is recorded.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        super::text::optional_one_line(text, MAX_NOTE_CHARS)
            .map(|note| note.map(Self))
            .map_err(|problem| format!("{} Nothing was recorded.", problem.sentence("note")))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who was killed, checked against the kind: only a teamkill names a victim.
///
/// # Errors
/// A sentence for the user when a kill names a victim, or a player is their own victim.
pub fn check_victim(
    kind: KillKind,
    player: UserId,
    victim: Option<UserId>,
) -> Result<Option<UserId>, String> {
    match (kind, victim) {
        (KillKind::Kill, Some(_)) => {
            Err("A victim can only be given for a team kill; leave it out for a kill.".to_owned())
        }
        (KillKind::Teamkill, Some(victim)) if victim == player => {
            Err("A player cannot be their own team-kill victim.".to_owned())
        }
        (_, victim) => Ok(victim),
    }
}

/// A new ledger entry, validated, before the store gives it an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    /// The guild.
    pub guild_id: GuildId,
    /// Whose kills these are.
    pub player_id: UserId,
    /// Kill or teamkill.
    pub kind: KillKind,
    /// How many.
    pub count: KillCount,
    /// The teammate who was killed, for a teamkill.
    pub victim_id: Option<UserId>,
    /// A note.
    pub note: Option<Note>,
    /// Who ran `/track`.
    pub recorded_by: UserId,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// The channel `/track` ran in (the session's channel, when one is running there).
    pub channel_id: ChannelId,
    /// The game, when one was given or the channel's session has one.
    pub game: Option<String>,
    /// The interaction that asked for the entry, if any: recording the same request again finds
    /// the entry it made instead of adding a second one, so a write whose commit went unanswered
    /// can be retried safely.
    pub request_id: Option<InteractionId>,
}

/// One row of the append-only kill ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The entry's number, shown in /history and used by /untrack.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// Whose kills these are.
    pub player_id: UserId,
    /// Kill or teamkill.
    pub kind: KillKind,
    /// How many (1 to [`MAX_KILLS_PER_ENTRY`]).
    pub count: u32,
    /// The teammate who was killed, for a teamkill.
    pub victim_id: Option<UserId>,
    /// The note, if any.
    pub note: Option<String>,
    /// Who ran `/track`.
    pub recorded_by: UserId,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// Where.
    pub channel_id: ChannelId,
    /// The game, if known.
    pub game: Option<String>,
    /// The game session it belongs to, if one was running in the channel.
    pub session_id: Option<i64>,
    /// The season that was running, if any.
    pub season_id: Option<i64>,
    /// When it was undone; undone entries stay in the ledger and out of every total.
    pub undone_at: Option<DateTime<Utc>>,
    /// Who undid it.
    pub undone_by: Option<UserId>,
}

impl LedgerEntry {
    /// Whether the entry counts in totals.
    #[must_use]
    pub const fn counts(&self) -> bool {
        self.undone_at.is_none()
    }
}

/// The part of a counting ledger entry that player stats fold: small enough to read a player's
/// whole ledger quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The entry's number.
    pub id: i64,
    /// Kill or teamkill.
    pub kind: KillKind,
    /// How many.
    pub count: u32,
    /// The game session it belongs to.
    pub session_id: Option<i64>,
    /// The season that was running.
    pub season_id: Option<i64>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl Tally {
    /// The tallies of the entries that count (undone ones left out).
    #[must_use]
    pub fn of_counting(entries: &[LedgerEntry]) -> Vec<Self> {
        entries
            .iter()
            .filter(|entry| entry.counts())
            .map(|entry| Self {
                id: entry.id,
                kind: entry.kind,
                count: entry.count,
                session_id: entry.session_id,
                season_id: entry.season_id,
                recorded_at: entry.recorded_at,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_counts_from_1_to_100_are_accepted() {
        assert_eq!(KillCount::parse(1).map(KillCount::get), Ok(1));
        assert_eq!(KillCount::parse(100).map(KillCount::get), Ok(100));
    }

    #[test]
    fn zero_negative_too_many_and_huge_counts_are_refused() {
        for value in [0, -1, 101, i64::MAX, i64::MIN] {
            let refusal = KillCount::parse(value).expect_err("refused");
            assert!(refusal.contains("from 1 to 100"), "{refusal}");
        }
    }

    #[test]
    fn notes_are_trimmed_and_blank_notes_dropped() {
        assert_eq!(
            Note::parse("  clutch  ")
                .expect("ok")
                .expect("some")
                .as_str(),
            "clutch"
        );
        assert_eq!(Note::parse("   ").expect("ok"), None);
    }

    #[test]
    fn a_note_counts_characters_not_bytes() {
        let two_hundred_emojis = "🔥".repeat(200);
        assert!(Note::parse(&two_hundred_emojis).is_ok());
        let refusal = Note::parse(&"a".repeat(201)).expect_err("too long");
        assert!(refusal.contains("201"), "{refusal}");
    }

    #[test]
    fn only_a_teamkill_names_a_victim_and_never_the_player() {
        let (ada, bob) = (UserId(1), UserId(2));
        assert!(check_victim(KillKind::Kill, ada, Some(bob)).is_err());
        assert!(check_victim(KillKind::Teamkill, ada, Some(ada)).is_err());
        assert_eq!(
            check_victim(KillKind::Teamkill, ada, Some(bob)),
            Ok(Some(bob))
        );
        assert_eq!(check_victim(KillKind::Kill, ada, None), Ok(None));
    }
}
