//! The reactions of a daily post: one letter per hour of the window, and "not today".

/// The reaction for each hour of a window, by index: the regional indicator letters 🇦 to 🇹.
///
/// Each is a single code point (U+1F1E6 onwards), which Discord accepts as a reaction on its
/// own; two of them side by side would render as a flag, which is why they are never joined.
pub const SLOT_EMOJIS: [&str; 20] = [
    "\u{1F1E6}",
    "\u{1F1E7}",
    "\u{1F1E8}",
    "\u{1F1E9}",
    "\u{1F1EA}",
    "\u{1F1EB}",
    "\u{1F1EC}",
    "\u{1F1ED}",
    "\u{1F1EE}",
    "\u{1F1EF}",
    "\u{1F1F0}",
    "\u{1F1F1}",
    "\u{1F1F2}",
    "\u{1F1F3}",
    "\u{1F1F4}",
    "\u{1F1F5}",
    "\u{1F1F6}",
    "\u{1F1F7}",
    "\u{1F1F8}",
    "\u{1F1F9}",
];

/// The reaction a member adds to say they will not play today, whatever their weekly schedule
/// says.
pub const NOT_TODAY: &str = "\u{274C}";

/// The hour index a reaction stands for, if it is one of [`SLOT_EMOJIS`].
#[must_use]
pub fn slot_of_emoji(emoji: &str) -> Option<usize> {
    SLOT_EMOJIS.iter().position(|&slot| slot == emoji)
}

/// Whether a reaction is [`NOT_TODAY`]; the text-style variant some keyboards send counts too.
#[must_use]
pub fn is_not_today(emoji: &str) -> bool {
    emoji.strip_suffix('\u{FE0F}').unwrap_or(emoji) == NOT_TODAY
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::schedule::HourWindow;

    #[test]
    fn there_is_one_distinct_letter_per_hour_of_the_longest_window() {
        assert_eq!(SLOT_EMOJIS.len(), usize::from(HourWindow::MAX_HOURS));
        let distinct: HashSet<&str> = SLOT_EMOJIS.iter().copied().collect();
        assert_eq!(distinct.len(), SLOT_EMOJIS.len());
        assert!(!distinct.contains(NOT_TODAY));
    }

    #[test]
    fn the_letters_run_from_a_to_t_one_code_point_each() {
        for (i, emoji) in SLOT_EMOJIS.iter().enumerate() {
            let mut chars = emoji.chars();
            let letter = chars.next().expect("one character");
            assert_eq!(chars.next(), None, "{emoji} is a single code point");
            assert_eq!(
                u32::from(letter),
                0x1F1E6 + u32::try_from(i).expect("small")
            );
        }
    }

    #[test]
    fn a_letter_reaction_maps_back_to_its_hour() {
        for (i, emoji) in SLOT_EMOJIS.iter().enumerate() {
            assert_eq!(slot_of_emoji(emoji), Some(i));
        }
        assert_eq!(slot_of_emoji("🇺"), None, "U is past the longest window");
        assert_eq!(slot_of_emoji("🇦🇧"), None);
        assert_eq!(slot_of_emoji(NOT_TODAY), None);
        assert_eq!(slot_of_emoji("A"), None);
    }

    #[test]
    fn not_today_is_recognised_with_or_without_the_emoji_selector() {
        assert!(is_not_today("❌"));
        assert!(is_not_today("❌\u{FE0F}"));
        assert!(!is_not_today("✖"));
    }
}
