//! Names users type: games, seasons, sessions and ranks. Each passes the checks of every free-text
//! option ([`super::text`]) and has a length limit that keeps embeds readable; games also get a
//! normalised key, so "apex legends", "Apex Legends" and "ＡＰＥＸ Legends" are one game.

/// The longest game name, in characters.
pub const MAX_GAME_CHARS: usize = 50;
/// The longest season name, in characters.
pub const MAX_SEASON_CHARS: usize = 50;
/// The longest session name, in characters.
pub const MAX_SESSION_CHARS: usize = 80;
/// The longest rank name, in characters.
pub const MAX_RANK_CHARS: usize = 32;

/// Titles a new guild's game list starts with; `/config games` edits the list.
pub const DEFAULT_GAMES: [&str; 8] = [
    "PUBG",
    "Escape from Tarkov",
    "Apex Legends",
    "Call of Duty: Warzone",
    "Fortnite",
    "Hunt: Showdown",
    "Arena Breakout",
    "Counter-Strike 2",
];

/// Checks `text` with the rules of every free-text option ([`super::text`]); `what` names it in
/// the refusal.
fn checked(text: &str, max: usize, what: &str) -> Result<String, String> {
    super::text::one_line(text, max).map_err(|problem| problem.sentence(what))
}

/// A game's name as the guild spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameName(String);

impl GameName {
    /// Checks a game name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_GAME_CHARS, "game name").map(Self)
    }

    /// The name as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name compared without case, the same way by every backend.
    #[must_use]
    pub fn key(&self) -> String {
        game_key(&self.0)
    }
}

/// The key two game names are compared by: names that differ only by case, width, blanks or
/// invisible characters are one game ([`super::text::comparison_key`]).
#[must_use]
pub fn game_key(name: &str) -> String {
    super::text::comparison_key(name)
}

/// A short code for a game that is safe in a cache key: 16 hex digits of a 64-bit FNV-1a hash of
/// [`game_key`]. Stable across processes and releases, so every shard names a game's leaderboard
/// the same way.
#[must_use]
pub fn game_code(name: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in game_key(name).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A season's name ("Wipe 12", "Summer 2026").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeasonName(String);

impl SeasonName {
    /// Checks a season name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_SEASON_CHARS, "season name").map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A game session's optional name ("Friday night raids").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionName(String);

impl SessionName {
    /// Checks a session name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_SESSION_CHARS, "session name").map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rank of the server ("Captain", "Recruit"), shown on the daily post as its emoji.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankName(String);

impl RankName {
    /// Checks a rank name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_RANK_CHARS, "rank name").map(Self)
    }

    /// The name as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name compared without case, width or invisible characters, like game names.
    #[must_use]
    pub fn key(&self) -> String {
        super::text::comparison_key(&self.0)
    }
}

/// The longest achievement name.
pub const MAX_BADGE_CHARS: usize = 40;

/// A server's own achievement name, one line of visible text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadgeName(String);

impl BadgeName {
    /// Checks an achievement name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_BADGE_CHARS, "achievement name").map(Self)
    }

    /// The name as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most characters a tournament's name may have.
pub const MAX_TOURNAMENT_CHARS: usize = 60;

/// A tournament's name ("Friday cup"), one line of visible text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TournamentName(String);

impl TournamentName {
    /// Checks a tournament name.
    ///
    /// # Errors
    /// A sentence for the user when it is empty, too long, or holds line breaks, invisible or
    /// direction-changing characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        checked(text, MAX_TOURNAMENT_CHARS, "tournament name").map(Self)
    }

    /// The name as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(GameName::parse("  PUBG ").expect("ok").as_str(), "PUBG");
    }

    #[test]
    fn empty_and_blank_names_are_refused() {
        assert!(SeasonName::parse("")
            .expect_err("empty")
            .contains("cannot be empty"));
        assert!(SeasonName::parse("   ").is_err());
    }

    #[test]
    fn a_season_name_of_200_characters_is_refused() {
        let refusal = SeasonName::parse(&"S".repeat(200)).expect_err("too long");
        assert!(refusal.contains("at most 50"), "{refusal}");
        assert!(SeasonName::parse(&"S".repeat(50)).is_ok());
    }

    #[test]
    fn line_breaks_are_refused() {
        assert!(GameName::parse("Apex\nLegends").is_err());
    }

    #[test]
    fn game_codes_ignore_case_and_fit_a_cache_key() {
        assert_eq!(game_code("Apex Legends"), game_code(" apex legends"));
        assert_ne!(game_code("Apex Legends"), game_code("PUBG"));
        let code = game_code("Call of Duty: Warzone");
        assert_eq!(code.len(), 16);
        assert!(code.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn the_default_games_are_valid_names() {
        for game in DEFAULT_GAMES {
            assert_eq!(GameName::parse(game).expect("valid").as_str(), game);
        }
    }

    #[test]
    fn rank_names_are_one_short_line_compared_without_case() {
        let captain = RankName::parse("Captain").expect("a rank");
        assert_eq!(
            captain.key(),
            RankName::parse("CAPTAIN").expect("a rank").key()
        );
        assert!(RankName::parse("").is_err());
        assert!(RankName::parse("two\nlines").is_err());
        assert!(RankName::parse(&"x".repeat(MAX_RANK_CHARS + 1)).is_err());
        assert!(BadgeName::parse(&"x".repeat(MAX_BADGE_CHARS + 1)).is_err());
        assert!(BadgeName::parse("bad\u{202e}name").is_err());
        assert_eq!(
            BadgeName::parse(" Centurion ").expect("ok").as_str(),
            "Centurion"
        );
    }
}
