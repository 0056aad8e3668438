//! Text that fits: names cut with "…" to a pixel width, lists of names ending in "+N more".

use plotters::style::FontDesc;

use super::font;

/// Width of `text` in pixels when drawn in `font`.
pub(crate) fn width(font: &FontDesc<'_>, text: &str) -> u32 {
    font.box_size(text).map_or(0, |(w, _)| w)
}

/// `text` on one line, without characters the font cannot draw (an emoji in a name would be
/// an empty box), spaces collapsed.
pub(crate) fn clean(text: &str) -> String {
    let drawable: String = text
        .chars()
        .filter_map(|c| {
            if c.is_whitespace() || c.is_control() {
                Some(' ')
            } else if font::has_glyph(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect();
    drawable.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` on one line, cut with "…" so that it is at most `max_px` wide.
pub(crate) fn fit(text: &str, font: &FontDesc<'_>, max_px: u32) -> String {
    let one_line = clean(text);
    let one_line = one_line.as_str();
    if width(font, one_line) <= max_px {
        return one_line.to_owned();
    }
    let chars: Vec<char> = one_line.chars().collect();
    let with_ellipsis = |n: usize| -> String {
        let mut s: String = chars[..n].iter().collect::<String>().trim_end().to_owned();
        s.push('…');
        s
    };
    // The longest prefix that still fits once the ellipsis is added.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if width(font, &with_ellipsis(mid)) <= max_px {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    with_ellipsis(lo)
}

/// As many of `names` as fit in `max_px`, comma-separated, then "+N more" for the rest.
pub(crate) fn names_with_more(names: &[String], font: &FontDesc<'_>, max_px: u32) -> String {
    let names: Vec<String> = names.iter().map(|n| clean(n)).collect();
    let mut shown = String::new();
    for (i, name) in names.iter().enumerate() {
        let candidate = if shown.is_empty() {
            name.clone()
        } else {
            format!("{shown}, {name}")
        };
        let rest = names.len() - i - 1;
        let full = if rest == 0 {
            candidate.clone()
        } else {
            format!("{candidate} +{rest} more")
        };
        if width(font, &full) > max_px {
            let hidden = names.len() - i;
            return if shown.is_empty() {
                // Not even one name fits whole: cut the first one.
                let suffix = if hidden > 1 {
                    format!(" +{} more", hidden - 1)
                } else {
                    String::new()
                };
                let room = max_px.saturating_sub(width(font, &suffix));
                format!("{}{suffix}", fit(name, font, room))
            } else {
                format!("{shown} +{hidden} more")
            };
        }
        shown = candidate;
    }
    shown
}

/// Every how many labels one is drawn so that labels `label_px` wide (gaps included) fit in
/// `available_px`.
pub(crate) fn thinning_step(count: usize, label_px: u32, available_px: u32) -> usize {
    let fit = (available_px / label_px.max(1)).max(1) as usize;
    count.div_ceil(fit).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> FontDesc<'static> {
        font::ensure_registered().expect("the embedded font loads");
        font::font(14.0)
    }

    #[test]
    fn short_names_are_left_alone() {
        let f = setup();
        assert_eq!(fit("Ada", &f, 200), "Ada");
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis_within_the_width() {
        let f = setup();
        let cut = fit("xX_DragonSlayer_Of_The_Northern_Wastes_Xx", &f, 120);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(width(&f, &cut) <= 120);
        assert!(cut.len() > 4, "{cut}");
    }

    #[test]
    fn line_breaks_never_reach_a_label() {
        let f = setup();
        assert_eq!(fit("Ada\nBob", &f, 500), "Ada Bob");
    }

    #[test]
    fn characters_the_font_cannot_draw_are_dropped() {
        setup();
        assert_eq!(clean("Ada 🎮  Lovelace\t"), "Ada Lovelace");
        assert_eq!(clean("Вася"), "Вася");
    }

    #[test]
    fn member_lists_end_with_how_many_more() {
        let f = setup();
        let names: Vec<String> = ["Ada", "Bob", "Cyra", "Dex", "Eko", "Fynn", "Gus", "Hal"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            names_with_more(&names, &f, 1000),
            "Ada, Bob, Cyra, Dex, Eko, Fynn, Gus, Hal"
        );
        let short = names_with_more(&names, &f, 120);
        assert!(short.starts_with("Ada"), "{short}");
        assert!(short.ends_with("more"), "{short}");
        assert!(width(&f, &short) <= 120, "{short}");
    }

    #[test]
    fn thinning_keeps_every_label_when_there_is_room() {
        assert_eq!(thinning_step(7, 50, 1000), 1);
        assert_eq!(thinning_step(90, 50, 1000), 5);
    }
}
