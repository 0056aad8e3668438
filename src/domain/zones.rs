//! Timezones as members type them: reading a zone from a name, a city or "UTC", refusing the
//! spellings that would put someone at the wrong hour, autocomplete suggestions, and the label
//! that shows a member what clock the bot thinks they use.
//!
//! Members are asked for a city rather than an abbreviation or an offset, because only a tz
//! database zone knows when daylight saving time starts and ends there. So:
//!
//! - an exact IANA name is accepted in any case (`europe/paris`), and so is a city, with spaces or
//!   underscores (`new york`, `Los_Angeles`), matched against the last part of a zone's name;
//! - abbreviations (`PST`, `CET`, `IST`) are refused with an example city: many are ambiguous (IST
//!   is India, Israel or Ireland) and none says when the clocks change. The tz database's own
//!   legacy zones spelled like abbreviations (`EST`, `MST`, `CET`, `EST5EDT`…) are refused too:
//!   `EST` there is a fixed UTC−5 all year, not New York's clock;
//! - fixed offsets (`UTC+2`, `Etc/GMT-2`, whose sign is reversed) are refused for the same
//!   reason; plain `UTC` and `GMT` are fine for those who want no daylight saving at all.
//!
//! The tz database keeps old spellings as aliases of the new (`America/Buenos_Aires` for
//! `America/Argentina/Buenos_Aires`, `US/Pacific`). Aliases are accepted when typed in full but
//! are never offered as suggestions, and a city resolves to its current name.

use std::sync::OnceLock;

use chrono::{DateTime, Offset as _, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};

/// The longest input read as a timezone, in characters; the longest zone name has 30.
pub const MAX_INPUT_CHARS: usize = 64;

/// Discord shows at most this many autocomplete choices.
pub const MAX_SUGGESTIONS: usize = 25;

/// The example every refusal ends with when nothing closer is known.
const EXAMPLE: &str = "a city such as Paris or a name such as America/New_York";

/// Areas whose zones are named after a city (or an island or base): the names members search.
const CITY_AREAS: [&str; 10] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// Aliases the depth rule in [`ZoneKind`] cannot tell from their current name, because both sit
/// one level under an area.
const CROSS_AREA_ALIASES: [&str; 2] = ["Asia/Istanbul", "Europe/Nicosia"];

/// Australia's zones named after states rather than cities: accepted in full but not matched as
/// cities, so "West" (an abbreviation in Europe) never lands in Perth.
const AUSTRALIAN_STATES: [&str; 10] = [
    "ACT",
    "LHI",
    "NSW",
    "North",
    "Queensland",
    "South",
    "Tasmania",
    "Victoria",
    "West",
    "Yancowinna",
];

/// What members most often mean by an abbreviation or a region's name: an example zone for the
/// refusal sentence. Keys are lower case.
const HINTS: &[(&str, &str)] = &[
    ("pst", "America/Los_Angeles"),
    ("pdt", "America/Los_Angeles"),
    ("pt", "America/Los_Angeles"),
    ("pacific", "America/Los_Angeles"),
    ("pst8pdt", "America/Los_Angeles"),
    ("mst", "America/Denver or America/Phoenix"),
    ("mdt", "America/Denver"),
    ("mt", "America/Denver"),
    ("mountain", "America/Denver"),
    ("mst7mdt", "America/Denver"),
    ("cst", "America/Chicago or Asia/Shanghai"),
    ("cdt", "America/Chicago"),
    ("ct", "America/Chicago"),
    ("central", "America/Chicago"),
    ("cst6cdt", "America/Chicago"),
    ("est", "America/New_York"),
    ("edt", "America/New_York"),
    ("et", "America/New_York"),
    ("eastern", "America/New_York"),
    ("est5edt", "America/New_York"),
    ("akst", "America/Anchorage"),
    ("akdt", "America/Anchorage"),
    ("hst", "Pacific/Honolulu"),
    ("ast", "America/Halifax"),
    ("adt", "America/Halifax"),
    ("nst", "America/St_Johns"),
    ("ndt", "America/St_Johns"),
    ("brt", "America/Sao_Paulo"),
    ("art", "America/Argentina/Buenos_Aires"),
    ("bst", "Europe/London"),
    ("gb", "Europe/London"),
    ("ist", "Asia/Kolkata, Asia/Jerusalem or Europe/Dublin"),
    ("wet", "Europe/Lisbon"),
    ("west", "Europe/Lisbon"),
    ("cet", "Europe/Paris or Europe/Berlin"),
    ("cest", "Europe/Paris or Europe/Berlin"),
    ("met", "Europe/Paris or Europe/Berlin"),
    ("mez", "Europe/Berlin"),
    ("eet", "Europe/Athens or Europe/Helsinki"),
    ("eest", "Europe/Athens or Europe/Helsinki"),
    ("msk", "Europe/Moscow"),
    ("w_su", "Europe/Moscow"),
    ("sast", "Africa/Johannesburg"),
    ("cat", "Africa/Maputo"),
    ("eat", "Africa/Nairobi"),
    ("wat", "Africa/Lagos"),
    ("pkt", "Asia/Karachi"),
    ("wib", "Asia/Jakarta"),
    ("ict", "Asia/Bangkok"),
    ("sgt", "Asia/Singapore"),
    ("hkt", "Asia/Hong_Kong"),
    ("prc", "Asia/Shanghai"),
    ("roc", "Asia/Taipei"),
    ("jst", "Asia/Tokyo"),
    ("kst", "Asia/Seoul"),
    ("rok", "Asia/Seoul"),
    ("awst", "Australia/Perth"),
    ("acst", "Australia/Adelaide or Australia/Darwin"),
    ("acdt", "Australia/Adelaide"),
    ("aest", "Australia/Sydney or Australia/Brisbane"),
    ("aedt", "Australia/Sydney"),
    ("nzst", "Pacific/Auckland"),
    ("nzdt", "Pacific/Auckland"),
    ("nz", "Pacific/Auckland"),
    ("nz_chat", "Pacific/Chatham"),
];

/// What autocomplete offers before anything is typed: one zone for each region most members live
/// in, by how many people share its clock.
const POPULAR: [&str; MAX_SUGGESTIONS] = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// How a zone of the tz database may be reached from what a member types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZoneKind {
    /// A current city zone: matched by its full name or its city, and suggested.
    City,
    /// An older spelling of a city zone (`America/Buenos_Aires` beside
    /// `America/Argentina/Buenos_Aires`): matched by its full name only.
    Alias,
    /// A country, region or state name (`Japan`, `US/Pacific`, `Australia/Tasmania`) or an `Etc`
    /// zone: matched by its full name, or by its last part when no city has that name.
    Legacy,
    /// Named like an abbreviation (`EST`, `CET`, `EST5EDT`, `PRC`): refused, see the module notes.
    Abbreviation,
}

/// One zone with the forms it is compared in.
struct Zone {
    tz: Tz,
    name: &'static str,
    /// The full name in [`key`] form.
    key: String,
    /// The last part of the name in [`key`] form.
    city: String,
    kind: ZoneKind,
}

/// Every zone of the tz database, classified once.
fn catalogue() -> &'static [Zone] {
    static CATALOGUE: OnceLock<Vec<Zone>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut zones: Vec<Zone> = TZ_VARIANTS
            .iter()
            .map(|&tz| {
                let name = tz.name();
                let key = key(name);
                let city = key.rsplit('/').next().unwrap_or(&key).to_owned();
                Zone {
                    tz,
                    name,
                    key,
                    city,
                    kind: first_guess(name),
                }
            })
            .collect();
        // A city zone with a deeper twin in its area (America/Indianapolis beside
        // America/Indiana/Indianapolis) is the old spelling of that twin.
        let deeper: Vec<(String, String)> = zones
            .iter()
            .filter(|zone| zone.kind == ZoneKind::City && zone.name.matches('/').count() > 1)
            .map(|zone| (area(zone.name).to_owned(), zone.city.clone()))
            .collect();
        for zone in &mut zones {
            if zone.kind == ZoneKind::City
                && zone.name.matches('/').count() == 1
                && deeper
                    .iter()
                    .any(|(area_name, city)| area_name == area(zone.name) && *city == zone.city)
            {
                zone.kind = ZoneKind::Alias;
            }
        }
        zones
    })
}

/// The kind a zone's name alone says it is; [`catalogue`] then finds the aliases.
fn first_guess(name: &str) -> ZoneKind {
    if !name.contains('/') && !name.chars().any(|c| c.is_ascii_lowercase()) {
        ZoneKind::Abbreviation
    } else if CROSS_AREA_ALIASES.contains(&name) {
        ZoneKind::Alias
    } else if CITY_AREAS.contains(&area(name))
        && !name
            .strip_prefix("Australia/")
            .is_some_and(|state| AUSTRALIAN_STATES.contains(&state))
    {
        ZoneKind::City
    } else {
        ZoneKind::Legacy
    }
}

/// The first part of a zone name (`America` for `America/Argentina/Salta`).
fn area(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

/// The form names are compared in: lower case, blanks, underscores and hyphens as one `_`, so
/// `New York`, `new_york` and `Port au Prince` meet `New_York` and `Port-au-Prince`.
fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out.replace('-', "_")
}

/// Reads a timezone a member typed: an IANA name in any case, a city, `UTC` or `GMT`.
///
/// # Errors
/// One sentence for the member: what was wrong and an example that works.
pub fn parse_zone(input: &str) -> Result<Tz, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(format!("Type a timezone: {EXAMPLE}."));
    }
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(format!(
            "A timezone is at most {MAX_INPUT_CHARS} characters; type {EXAMPLE}."
        ));
    }
    let lower = input.to_lowercase();
    match lower.as_str() {
        "utc" | "uct" => return Ok(Tz::UTC),
        "gmt" => return Ok(Tz::GMT),
        _ => {}
    }
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(zero) = fixed_offset(&compact) {
        return if zero {
            Ok(Tz::UTC)
        } else {
            Err(
                "A fixed offset such as UTC+2 ignores daylight saving time; type the city whose \
                 clock you use instead, such as Europe/Paris."
                    .to_owned(),
            )
        };
    }
    let wanted = key(input);
    let zones = catalogue();
    if wanted.contains('/') {
        // Abbreviation zones have no area, so a name with a slash is never one.
        return zones
            .iter()
            .find(|zone| zone.key == wanted)
            .map(|zone| zone.tz)
            .ok_or_else(|| format!("That is not a timezone I know; type {EXAMPLE}."));
    }
    let cities: Vec<&Zone> = zones
        .iter()
        .filter(|zone| zone.kind == ZoneKind::City && zone.city == wanted)
        .collect();
    if !cities.is_empty() {
        return one_of(&cities);
    }
    let abbreviation_zone = zones
        .iter()
        .any(|zone| zone.kind == ZoneKind::Abbreviation && zone.key == wanted);
    if abbreviation_zone || HINTS.iter().any(|(hint, _)| *hint == wanted) {
        return Err(abbreviation(input, &wanted));
    }
    let legacy: Vec<&Zone> = zones
        .iter()
        .filter(|zone| {
            zone.kind == ZoneKind::Legacy && !zone.name.starts_with("Etc/") && zone.city == wanted
        })
        .collect();
    if !legacy.is_empty() {
        return one_of(&legacy);
    }
    let looks_abbreviated =
        (2..=5).contains(&input.len()) && input.chars().all(|c| c.is_ascii_alphabetic());
    if looks_abbreviated {
        return Err(abbreviation(input, &wanted));
    }
    Err(format!("That is not a timezone I know; type {EXAMPLE}."))
}

/// The zone a city names, or the refusal listing every zone it could be.
fn one_of(candidates: &[&Zone]) -> Result<Tz, String> {
    match candidates {
        [only] => Ok(only.tz),
        several => {
            let names: Vec<&str> = several.iter().map(|zone| zone.name).collect();
            Err(format!(
                "Several timezones have that name ({}); type the full name of yours.",
                names.join(", ")
            ))
        }
    }
}

/// The refusal for an abbreviation, or for what looks like one. `input` is echoed only when it
/// has the shape of one (a few letters, digits and hyphens): anything else a member typed has no
/// place in the bot's reply.
fn abbreviation(input: &str, wanted: &str) -> String {
    let shown = if input.len() <= 8 && input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        input.to_uppercase()
    } else {
        "that abbreviation".to_owned()
    };
    match HINTS.iter().find(|(hint, _)| *hint == wanted) {
        Some((_, example)) if input.len() > 5 && input.chars().all(char::is_alphabetic) => format!(
            "“{input}” is a region, not a timezone; type the city whose clock you use, \
             such as {example}."
        ),
        Some((_, example)) => format!(
            "Abbreviations such as {shown} do not say when clocks change; type the city whose \
             clock you use, such as {example}."
        ),
        None => format!(
            "I know no timezone called {shown}, and abbreviations do not say when clocks change; \
             type the city whose clock you use, such as Europe/Paris or America/New_York."
        ),
    }
}

/// Whether `lower` is a fixed offset (`utc+2`, `gmt-05:30`, `etc/gmt+5`, `+02:00`), and if so
/// whether it is zero.
fn fixed_offset(lower: &str) -> Option<bool> {
    let rest = lower.strip_prefix("etc/").unwrap_or(lower);
    let rest = rest
        .strip_prefix("utc")
        .or_else(|| rest.strip_prefix("gmt"))
        .unwrap_or(rest);
    let digits = rest
        .strip_prefix('+')
        .or_else(|| rest.strip_prefix('-'))
        .or_else(|| rest.strip_prefix('−'))
        .or_else(|| (rest.len() < lower.len()).then_some(rest))?;
    let is_offset = !digits.is_empty()
        && digits.chars().any(|c| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == ':');
    is_offset.then(|| digits.chars().all(|c| c == '0' || c == ':'))
}

/// Zones for autocomplete: those whose name or city contains `query` (case, blanks and
/// underscores ignored), the ones starting with it first, then by name; before anything is typed,
/// the most used zones. At most `limit`, and never more than Discord shows.
#[must_use]
pub fn suggest_zones(query: &str, limit: usize) -> Vec<&'static str> {
    let limit = limit.min(MAX_SUGGESTIONS);
    let wanted = key(query);
    if wanted.is_empty() {
        return POPULAR.iter().copied().take(limit).collect();
    }
    let mut found: Vec<(bool, &'static str)> = catalogue()
        .iter()
        .filter(|zone| {
            (zone.kind == ZoneKind::City || zone.tz == Tz::UTC) && zone.key.contains(&wanted)
        })
        .map(|zone| {
            let prefix = zone.city.starts_with(&wanted) || zone.key.starts_with(&wanted);
            (!prefix, zone.name)
        })
        .collect();
    found.sort_unstable();
    found
        .into_iter()
        .take(limit)
        .map(|(_, name)| name)
        .collect()
}

/// The time it is in `tz` at `now` and the zone's offset, e.g. "21:05 (UTC+02:00)", so a member
/// can check the bot reads their clock right.
#[must_use]
pub fn local_time_label(tz: Tz, now: DateTime<Utc>) -> String {
    let local = now.with_timezone(&tz);
    let seconds = local.offset().fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!(
        "{} (UTC{sign}{:02}:{:02})",
        local.format("%H:%M"),
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn parsed(input: &str) -> &'static str {
        match parse_zone(input) {
            Ok(tz) => tz.name(),
            Err(sentence) => panic!("{input:?} was refused: {sentence}"),
        }
    }

    fn refusal(input: &str) -> String {
        match parse_zone(input) {
            Ok(tz) => panic!("{input:?} was accepted as {}", tz.name()),
            Err(sentence) => sentence,
        }
    }

    #[test]
    fn exact_names_are_accepted_in_any_case() {
        assert_eq!(parsed("Europe/Paris"), "Europe/Paris");
        assert_eq!(parsed("europe/paris"), "Europe/Paris");
        assert_eq!(parsed("  AMERICA/NEW_YORK "), "America/New_York");
        assert_eq!(parsed("America/Los Angeles"), "America/Los_Angeles");
        assert_eq!(parsed("america/port-au-prince"), "America/Port-au-Prince");
        assert_eq!(
            parsed("America/Argentina/Buenos_Aires"),
            "America/Argentina/Buenos_Aires"
        );
    }

    #[test]
    fn old_spellings_typed_in_full_are_accepted() {
        assert_eq!(parsed("US/Pacific"), "US/Pacific");
        assert_eq!(parsed("America/Buenos_Aires"), "America/Buenos_Aires");
        assert_eq!(parsed("Asia/Calcutta"), "Asia/Calcutta");
        assert_eq!(parsed("Japan"), "Japan");
    }

    #[test]
    fn cities_are_found_with_spaces_or_underscores_in_any_case() {
        assert_eq!(parsed("Paris"), "Europe/Paris");
        assert_eq!(parsed("paris"), "Europe/Paris");
        assert_eq!(parsed("new york"), "America/New_York");
        assert_eq!(parsed("New_York"), "America/New_York");
        assert_eq!(parsed("los angeles"), "America/Los_Angeles");
        assert_eq!(parsed("LOS   ANGELES"), "America/Los_Angeles");
        assert_eq!(parsed("port au prince"), "America/Port-au-Prince");
        assert_eq!(parsed("Kolkata"), "Asia/Kolkata");
        assert_eq!(parsed("st johns"), "America/St_Johns");
        assert_eq!(parsed("lord howe"), "Australia/Lord_Howe");
    }

    #[test]
    fn a_city_with_an_old_spelling_resolves_to_its_current_name() {
        assert_eq!(parsed("Buenos Aires"), "America/Argentina/Buenos_Aires");
        assert_eq!(parsed("indianapolis"), "America/Indiana/Indianapolis");
        assert_eq!(parsed("Istanbul"), "Europe/Istanbul");
        assert_eq!(parsed("Nicosia"), "Asia/Nicosia");
        assert_eq!(parsed("singapore"), "Asia/Singapore");
    }

    #[test]
    fn country_and_region_names_of_the_database_are_found_when_no_city_has_the_name() {
        assert_eq!(parsed("hawaii"), "US/Hawaii");
        assert_eq!(parsed("japan"), "Japan");
        assert_eq!(parsed("tasmania"), "Australia/Tasmania");
    }

    #[test]
    fn utc_and_gmt_are_accepted() {
        assert_eq!(parse_zone("UTC"), Ok(Tz::UTC));
        assert_eq!(parse_zone("utc"), Ok(Tz::UTC));
        assert_eq!(parse_zone("Etc/UTC"), Ok(Tz::Etc__UTC));
        assert_eq!(parse_zone("GMT"), Ok(Tz::GMT));
        assert_eq!(parse_zone("UTC+0"), Ok(Tz::UTC));
        assert_eq!(parse_zone("gmt-00:00"), Ok(Tz::UTC));
    }

    #[test]
    fn abbreviations_are_refused_with_an_example_city() {
        assert!(refusal("PST").contains("America/Los_Angeles"));
        assert!(refusal("pst").contains("PST"));
        assert!(refusal("EST").contains("America/New_York"));
        assert!(refusal("CET").contains("Europe/Paris"));
        assert!(refusal("IST").contains("Asia/Kolkata"));
        assert!(refusal("IST").contains("Europe/Dublin"));
        assert!(refusal("BST").contains("Europe/London"));
        assert!(refusal("AEST").contains("Australia/Sydney"));
        assert!(refusal("west").contains("Europe/Lisbon"));
    }

    #[test]
    fn the_databases_own_abbreviation_zones_are_refused() {
        for legacy in [
            "EST", "MST", "HST", "CET", "EET", "MET", "WET", "EST5EDT", "CST6CDT", "MST7MDT",
            "PST8PDT", "PRC", "ROK", "NZ", "GB", "W-SU",
        ] {
            let sentence = refusal(legacy);
            assert!(sentence.contains("city"), "{legacy}: {sentence}");
        }
        assert!(refusal("est5edt").contains("America/New_York"));
    }

    #[test]
    fn every_abbreviation_zone_of_the_database_gets_an_example_city() {
        for zone in catalogue()
            .iter()
            .filter(|zone| zone.kind == ZoneKind::Abbreviation)
        {
            match parse_zone(zone.name) {
                Ok(tz) => assert!(tz == Tz::UTC || tz == Tz::GMT, "{} accepted", zone.name),
                Err(sentence) => assert!(
                    !sentence.starts_with("I know no timezone"),
                    "{}: {sentence}",
                    zone.name
                ),
            }
        }
    }

    #[test]
    fn every_area_zone_typed_in_full_is_itself() {
        for zone in catalogue() {
            let offset = zone.name.starts_with("Etc/GMT") && zone.name.len() > "Etc/GMT".len();
            if zone.name.contains('/') && !offset {
                assert_eq!(parse_zone(zone.name), Ok(zone.tz), "{}", zone.name);
                assert_eq!(
                    parse_zone(&zone.name.to_lowercase()),
                    Ok(zone.tz),
                    "{}",
                    zone.name
                );
            }
        }
    }

    #[test]
    fn an_unknown_abbreviation_gets_the_generic_sentence() {
        let sentence = refusal("XYZT");
        assert!(
            sentence.starts_with("I know no timezone called XYZT"),
            "{sentence}"
        );
        assert!(sentence.contains("Europe/Paris"));
    }

    #[test]
    fn region_words_point_to_a_city() {
        assert!(refusal("Pacific").contains("America/Los_Angeles"));
        assert!(refusal("eastern").contains("America/New_York"));
    }

    #[test]
    fn fixed_offsets_are_refused() {
        for offset in [
            "UTC+2",
            "utc-5",
            "UTC +2",
            "GMT+05:30",
            "Etc/GMT-2",
            "Etc/GMT+5",
            "+02:00",
        ] {
            assert!(
                refusal(offset).contains("daylight saving"),
                "{offset} was not refused as an offset"
            );
        }
    }

    #[test]
    fn a_name_matching_zones_with_different_clocks_is_refused_listing_them() {
        let zones = catalogue();
        let west: Vec<&Zone> = zones
            .iter()
            .filter(|zone| zone.name == "Australia/West" || zone.name == "Brazil/West")
            .collect();
        assert_eq!(west.len(), 2);
        let sentence = one_of(&west).expect_err("two zones");
        assert!(
            sentence.contains("Australia/West, Brazil/West"),
            "{sentence}"
        );
    }

    #[test]
    fn no_current_city_name_is_shared_by_two_zones() {
        let cities: Vec<&Zone> = catalogue()
            .iter()
            .filter(|zone| zone.kind == ZoneKind::City)
            .collect();
        for zone in &cities {
            let twins: Vec<&str> = cities
                .iter()
                .filter(|other| other.city == zone.city)
                .map(|other| other.name)
                .collect();
            assert_eq!(twins.len(), 1, "{twins:?}");
        }
    }

    #[test]
    fn unknown_blank_and_overlong_input_is_refused_with_an_example() {
        assert!(refusal("Atlantis").contains("Paris"));
        assert!(refusal("Europe/Pariss").contains("America/New_York"));
        assert!(refusal("   ").contains("Paris"));
        assert!(refusal("soon, probably").contains("Paris"));
        let long = "a".repeat(MAX_INPUT_CHARS + 1);
        assert!(refusal(&long).contains("at most 64"));
        assert!(!refusal("ab\ncd").contains('\n'), "input is not echoed");
    }

    #[test]
    fn suggestions_put_names_starting_with_the_query_first() {
        assert_eq!(suggest_zones("paris", 25), ["Europe/Paris"]);
        let new = suggest_zones("new", 25);
        assert!(new.contains(&"America/New_York"));
        let first_other = new
            .iter()
            .position(|name| !name.rsplit('/').next().unwrap_or(name).starts_with("New"))
            .unwrap_or(new.len());
        assert!(
            new[first_other..].iter().all(|name| !name
                .rsplit('/')
                .next()
                .unwrap_or(name)
                .starts_with("New")),
            "{new:?}"
        );
        assert_eq!(suggest_zones("los angeles", 25), ["America/Los_Angeles"]);
        assert_eq!(suggest_zones("EUROPE/LON", 25), ["Europe/London"]);
        assert_eq!(suggest_zones("utc", 25), ["UTC"]);
    }

    #[test]
    fn suggestions_leave_out_old_spellings_and_respect_the_limit() {
        let buenos = suggest_zones("buenos", 25);
        assert_eq!(buenos, ["America/Argentina/Buenos_Aires"]);
        assert_eq!(suggest_zones("a", 3).len(), 3);
        assert_eq!(suggest_zones("a", 100).len(), MAX_SUGGESTIONS);
        assert!(suggest_zones("zzzz", 25).is_empty());
    }

    #[test]
    fn an_empty_query_suggests_popular_zones_that_all_parse() {
        let popular = suggest_zones("", 25);
        assert_eq!(popular.len(), 25);
        for name in popular {
            assert_eq!(parsed(name), name);
        }
        assert_eq!(suggest_zones("  ", 5).len(), 5);
    }

    #[test]
    fn the_label_shows_the_local_time_and_offset() {
        let now = Utc
            .with_ymd_and_hms(2026, 7, 1, 19, 5, 0)
            .single()
            .expect("valid");
        assert_eq!(
            local_time_label(Tz::Europe__Paris, now),
            "21:05 (UTC+02:00)"
        );
        assert_eq!(
            local_time_label(Tz::Asia__Kathmandu, now),
            "00:50 (UTC+05:45)"
        );
        assert_eq!(
            local_time_label(Tz::America__St_Johns, now),
            "16:35 (UTC-02:30)"
        );
        assert_eq!(local_time_label(Tz::UTC, now), "19:05 (UTC+00:00)");
    }
}
