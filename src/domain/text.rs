//! Free text that members type into command options: the one check every free-text option goes
//! through, and the one normalised form names are compared in.
//!
//! The bot echoes what members type (game, season and session names, notes) into public replies,
//! so text that can impersonate the bot or hide from readers is refused rather than cleaned up:
//!
//! - line breaks, which would let a note print a line outside its quote that looks like the bot's
//!   own output;
//! - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks, which make
//!   text read in another order than it is stored;
//! - zero-width and other invisible format characters (U+200B–U+200F, U+2060–U+2064, U+FEFF,
//!   …), which make two names look alike while they differ;
//! - text that is empty once those and blank characters are removed.
//!
//! Refusing (instead of silently stripping) keeps the rule "bad input gets a clear error and
//! changes nothing": what is stored is exactly what the member typed, trimmed.
//!
//! Names are compared by [`comparison_key`]: Unicode compatibility normalisation (NFKC folds
//! full-width letters and other look-alike forms), lower case, invisible characters dropped and
//! runs of blanks collapsed, so "Apex Legends", "apex  legends" and "ＡＰＥＸ Legends" are one game.

use unicode_normalization::UnicodeNormalization as _;

/// Why a text was refused; [`TextProblem::sentence`] says it to the member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing visible is left once blanks and invisible characters are removed.
    Empty,
    /// Longer than the option allows.
    TooLong {
        /// The limit, in characters.
        max: usize,
        /// How many characters the text has.
        chars: usize,
    },
    /// A line break (or another line or paragraph separator) in a one-line option.
    LineBreak,
    /// A control character other than a line break.
    Control,
    /// A character that changes the direction text is read in.
    Direction,
    /// A zero-width or other invisible formatting character.
    Invisible,
}

impl TextProblem {
    /// The refusal as one sentence; `what` names the option ("game name", "note").
    #[must_use]
    pub fn sentence(self, what: &str) -> String {
        match self {
            Self::Empty => format!("The {what} cannot be empty."),
            Self::TooLong { max, chars } => {
                format!("The {what} can be at most {max} characters; yours has {chars}.")
            }
            Self::LineBreak => format!("The {what} must fit on one line."),
            Self::Control => format!("The {what} cannot contain control characters."),
            Self::Direction => {
                format!("The {what} cannot contain characters that change the text direction.")
            }
            Self::Invisible => format!("The {what} cannot contain invisible characters."),
        }
    }
}

/// Checks a one-line option and returns it trimmed.
///
/// # Errors
/// The first [`TextProblem`] found, in the order a member would fix them.
pub fn one_line(text: &str, max: usize) -> Result<String, TextProblem> {
    let text = text.trim();
    if let Some(problem) = text.chars().find_map(problem_of) {
        return Err(problem);
    }
    if !text.chars().any(is_visible) {
        return Err(TextProblem::Empty);
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(TextProblem::TooLong { max, chars });
    }
    Ok(text.to_owned())
}

/// Like [`one_line`], but an empty or blank text is no text at all (an optional note left
/// blank).
///
/// # Errors
/// As [`one_line`], except that blank text is `Ok(None)`.
pub fn optional_one_line(text: &str, max: usize) -> Result<Option<String>, TextProblem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    one_line(text, max).map(Some)
}

/// The form two names are compared in: NFKC, lower case, invisible characters dropped, blanks
/// collapsed to one space and trimmed.
#[must_use]
pub fn comparison_key(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .filter(|&c| !is_invisible(c) && !is_direction(c))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with one character of a one-line text, if anything.
fn problem_of(c: char) -> Option<TextProblem> {
    if is_line_break(c) {
        Some(TextProblem::LineBreak)
    } else if c.is_control() {
        Some(TextProblem::Control)
    } else if is_direction(c) {
        Some(TextProblem::Direction)
    } else if is_invisible(c) {
        Some(TextProblem::Invisible)
    } else {
        None
    }
}

/// Line feed, carriage return, vertical tab, form feed, next line, and the Unicode line and
/// paragraph separators: everything a renderer may start a new line at.
#[must_use]
pub const fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Characters that reorder text: the bidirectional embeddings, overrides and isolates, the
/// left-to-right, right-to-left and Arabic letter marks.
#[must_use]
pub const fn is_direction(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Zero-width and other invisible formatting characters (Unicode's format category, less the
/// direction marks [`is_direction`] covers), and the fillers that render as blank letters.
#[must_use]
pub const fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Whether `c` shows as something a reader can see.
fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_invisible(c) && !is_direction(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 50;

    #[test]
    fn ordinary_names_pass_trimmed() {
        assert_eq!(
            one_line("  Apex Legends ", MAX),
            Ok("Apex Legends".to_owned())
        );
        assert_eq!(
            one_line("Ünïcødé 🎮 名前", MAX),
            Ok("Ünïcødé 🎮 名前".to_owned())
        );
    }

    #[test]
    fn every_line_break_is_refused() {
        for text in [
            "Apex\nLegends",
            "Apex\r\nLegends",
            "Apex\rLegends",
            "a\u{0B}b",
            "a\u{0C}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
        ] {
            assert_eq!(one_line(text, MAX), Err(TextProblem::LineBreak), "{text:?}");
        }
    }

    #[test]
    fn other_control_characters_are_refused() {
        assert_eq!(one_line("a\u{7}b", MAX), Err(TextProblem::Control));
        assert_eq!(one_line("a\tb", MAX), Err(TextProblem::Control));
        assert_eq!(one_line("a\u{9B}b", MAX), Err(TextProblem::Control));
    }

    #[test]
    fn bidirectional_overrides_and_isolates_are_refused() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let text = format!("gg{c}ez");
            assert_eq!(one_line(&text, MAX), Err(TextProblem::Direction), "{c:?}");
        }
        assert_eq!(one_line("a\u{200F}b", MAX), Err(TextProblem::Direction));
    }

    #[test]
    fn zero_width_and_format_characters_are_refused() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
        ] {
            let text = format!("PU{c}BG");
            assert_eq!(one_line(&text, MAX), Err(TextProblem::Invisible), "{c:?}");
        }
    }

    #[test]
    fn names_empty_once_invisible_characters_are_removed_are_refused() {
        assert_eq!(one_line("", MAX), Err(TextProblem::Empty));
        assert_eq!(one_line("   ", MAX), Err(TextProblem::Empty));
        assert_eq!(one_line("\u{3000}\u{2003}", MAX), Err(TextProblem::Empty));
        // A Hangul filler and a braille blank render as nothing but are letters to Unicode.
        assert_eq!(one_line("\u{3164}", MAX), Err(TextProblem::Invisible));
        assert_eq!(
            one_line("\u{2800}\u{2800}", MAX),
            Err(TextProblem::Invisible)
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(one_line(&"é".repeat(MAX), MAX).is_ok());
        assert_eq!(
            one_line(&"é".repeat(MAX + 1), MAX),
            Err(TextProblem::TooLong {
                max: MAX,
                chars: MAX + 1
            })
        );
    }

    #[test]
    fn an_optional_text_left_blank_is_none() {
        assert_eq!(optional_one_line("  ", MAX), Ok(None));
        assert_eq!(optional_one_line(" gg ", MAX), Ok(Some("gg".to_owned())));
        assert_eq!(optional_one_line("g\ng", MAX), Err(TextProblem::LineBreak));
    }

    #[test]
    fn names_that_differ_only_by_case_width_blanks_or_invisible_characters_compare_equal() {
        let key = comparison_key("Apex Legends");
        for look_alike in [
            "apex legends",
            "APEX LEGENDS",
            "  Apex   Legends ",
            "ＡＰＥＸ Ｌｅｇｅｎｄｓ",
            "Apex\u{3000}Legends",
            "Ap\u{200B}ex Legends",
            "\u{FEFF}Apex Legends",
            "Apex\u{202E} Legends",
        ] {
            assert_eq!(comparison_key(look_alike), key, "{look_alike:?}");
        }
        assert_ne!(comparison_key("Apex Legends 2"), key);
    }

    #[test]
    fn sentences_name_the_option() {
        assert_eq!(
            TextProblem::LineBreak.sentence("note"),
            "The note must fit on one line."
        );
        assert!(TextProblem::TooLong { max: 50, chars: 51 }
            .sentence("game name")
            .contains("at most 50"));
    }
}
