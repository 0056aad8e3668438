//! How squad stats look in Discord: reply texts and embeds built from plain values. Times are
//! Discord timestamps (`<t:…>`), so every reader sees their own timezone.

#![expect(
    clippy::format_push_string,
    reason = "embeds are built once per reply; `push_str(&format!(..))` reads best here"
)]

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use crate::domain::board::{Period, Standing};
use crate::domain::ids::{ChannelId, UserId};
use crate::domain::kills::{KillKind, LedgerEntry};
use crate::domain::player_stats::PlayerStats;
use crate::domain::reaction::ReactionEmoji;
use crate::domain::session_summary::humanize_duration;
use crate::domain::team_stats::{sparkline, TeamStats};
use crate::squad::sessions::EndedSession;
use crate::squad::BoardView;
use crate::store::activity::{MemberActivity, Metric};
use crate::store::squad::Recorded;
use crate::store::{GameSession, Season, SessionEnd};

/// The accent colour of trakker's embeds.
pub(crate) const COLOUR: u32 = 0x00E5_8A2E;

/// `n` with the noun that agrees with it: "1 kill", "3 kills".
#[must_use]
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A user as a mention; replies send no pings (allowed mentions are empty). A member who erased
/// their data is named as such: their ledger entries still count for the squad.
#[must_use]
pub fn mention(user: UserId) -> String {
    if user.is_erased() {
        "an erased member".to_owned()
    } else {
        format!("<@{user}>")
    }
}

/// A time as a Discord timestamp in the reader's timezone, with `style` (`f`, `R`, `t`, …).
#[must_use]
pub fn timestamp(at: DateTime<Utc>, style: char) -> String {
    format!("<t:{}:{style}>", at.timestamp())
}

/// The public reply to /track.
#[must_use]
pub fn tracked(recorded: &Recorded) -> String {
    let entry = &recorded.entry;
    let what = match (entry.kind, entry.count) {
        (KillKind::Kill, 1) => "1 kill".to_owned(),
        (KillKind::Kill, n) => format!("{n} kills"),
        (KillKind::Teamkill, 1) => "1 team kill".to_owned(),
        (KillKind::Teamkill, n) => format!("{n} team kills"),
    };
    let victim = entry
        .victim_id
        .map(|victim| format!(" on {}", mention(victim)))
        .unwrap_or_default();
    let scope = recorded
        .season_name
        .as_deref()
        .map_or_else(|| "all time".to_owned(), |season| format!("in {season}"));
    let game = entry
        .game
        .as_deref()
        .map(|game| format!(" · {game}"))
        .unwrap_or_default();
    let note = entry
        .note
        .as_deref()
        .map(|note| format!("\n> {note}"))
        .unwrap_or_default();
    format!(
        "{} +{what}{victim}: **{}** {} {scope}{game} · entry #{}{note}",
        mention(entry.player_id),
        recorded.season_total,
        entry.kind.noun(recorded.season_total),
        entry.id,
    )
}

/// The public reply to /untrack.
#[must_use]
pub fn untracked(entry: &LedgerEntry) -> String {
    format!(
        "Undid entry #{}: {} {} for {}. It stays in /history, marked undone, and counts nowhere.",
        entry.id,
        entry.count,
        entry.kind.noun(i64::from(entry.count)),
        mention(entry.player_id)
    )
}

/// The reaction serenity sends for an emoji.
#[must_use]
pub fn reaction_type(emoji: &ReactionEmoji) -> serenity::ReactionType {
    match emoji {
        ReactionEmoji::Unicode(text) => serenity::ReactionType::Unicode(text.clone()),
        ReactionEmoji::Custom { name, id, animated } => serenity::ReactionType::Custom {
            animated: *animated,
            id: serenity::EmojiId::new((*id).max(1)),
            name: Some(name.clone()),
        },
    }
}

/// One ledger line for /history.
fn history_line(entry: &LedgerEntry) -> String {
    let mut line = format!(
        "`#{}` {} {} {} {}",
        entry.id,
        timestamp(entry.recorded_at, 'd'),
        mention(entry.player_id),
        if entry.kind == KillKind::Kill {
            "+"
        } else {
            "☠"
        },
        entry.count,
    );
    line.push(' ');
    line.push_str(entry.kind.noun(i64::from(entry.count)));
    if let Some(victim) = entry.victim_id {
        line.push_str(&format!(" on {}", mention(victim)));
    }
    if let Some(game) = &entry.game {
        line.push_str(&format!(" · {game}"));
    }
    if entry.recorded_by != entry.player_id {
        line.push_str(&format!(" · by {}", mention(entry.recorded_by)));
    }
    if let Some(note) = &entry.note {
        line.push_str(&format!(" · “{note}”"));
    }
    if entry.undone_at.is_some() {
        line = format!("~~{line}~~ (undone)");
    }
    line
}

/// The /history embed.
pub fn history(entries: &[LedgerEntry], player: Option<UserId>) -> serenity::CreateEmbed {
    let title = player.map_or_else(
        || "Ledger: latest entries".to_owned(),
        |_| "Ledger".to_owned(),
    );
    let mut description = player
        .map(|player| format!("Entries for {}\n", mention(player)))
        .unwrap_or_default();
    if entries.is_empty() {
        description.push_str("Nothing recorded yet.");
    }
    for entry in entries {
        description.push_str(&history_line(entry));
        description.push('\n');
    }
    serenity::CreateEmbed::new()
        .title(title)
        .colour(COLOUR)
        .description(description)
}

/// The /leaderboard embed.
pub fn leaderboard(
    view: &BoardView,
    kind: KillKind,
    period: Period,
    season: Option<&Season>,
    since: Option<DateTime<Utc>>,
    game: Option<&str>,
    caller: UserId,
) -> serenity::CreateEmbed {
    let scope = match (period, season) {
        (Period::Season, Some(season)) => season.name.clone(),
        (Period::Season, None) => "all time (no season running)".to_owned(),
        (period, _) => period.label().to_owned(),
    };
    let mut description = String::new();
    if let Some(since) = since {
        description.push_str(&format!("Since {}\n", timestamp(since, 'f')));
    }
    if view.top.is_empty() {
        description.push_str("Nobody is on this board yet.");
    }
    for (index, Standing { player, total }) in view.top.iter().enumerate() {
        let medal = match index {
            0 => "🥇".to_owned(),
            1 => "🥈".to_owned(),
            2 => "🥉".to_owned(),
            n => format!("`{}.`", n + 1),
        };
        description.push_str(&format!("{medal} {} — **{total}**\n", mention(*player)));
    }
    let you = match view.caller {
        Some((rank, total)) => format!("You are #{rank} with {total} {}.", kind.noun(total)),
        None => format!("{} is not on this board yet.", mention(caller)),
    };
    let title = format!(
        "Top {} · {scope}{}",
        kind.plural(),
        game.map(|game| format!(" · {game}")).unwrap_or_default()
    );
    serenity::CreateEmbed::new()
        .title(title)
        .colour(COLOUR)
        .description(description)
        .field("Your rank", you, false)
}

fn stats_column(stats: &PlayerStats) -> String {
    let per_session = stats
        .kills_per_session()
        .map_or_else(|| "–".to_owned(), |value| format!("{value:.1}"));
    let best = stats.best_session.as_ref().map_or_else(
        || "–".to_owned(),
        |best| format!("{} kills (session #{})", best.kills, best.session_id),
    );
    format!(
        "Kills: **{}**\nTeam kills: **{}**\nSessions: **{}**\nKills per session: **{per_session}**\nBest session: **{best}**\nLongest streak: **{}** kills without a team kill",
        stats.kills, stats.teamkills, stats.sessions, stats.longest_streak
    )
}

/// The /stats embed: the running season (when one runs) beside all time.
pub fn stats(
    player: UserId,
    season: Option<(&Season, &PlayerStats)>,
    all_time: &PlayerStats,
    rank: Option<(u64, i64)>,
) -> serenity::CreateEmbed {
    let mut embed = serenity::CreateEmbed::new()
        .title("Player stats")
        .colour(COLOUR)
        .description(format!(
            "{}\nRank: {}",
            mention(player),
            rank.map_or_else(
                || "not ranked yet".to_owned(),
                |(rank, total)| format!(
                    "**#{rank}** with {total} kills ({})",
                    season.map_or("all time", |(season, _)| season.name.as_str())
                )
            )
        ));
    if let Some((season, stats)) = season {
        embed = embed.field(
            format!("Season: {}", season.name),
            stats_column(stats),
            true,
        );
    }
    embed.field("All time", stats_column(all_time), true)
}

/// `embed` with a field of the badges a member holds, when they hold any (/stats, /me, /user).
pub fn with_badges(
    embed: serenity::CreateEmbed,
    badges: &[(crate::domain::achievements::Milestone, DateTime<Utc>)],
) -> serenity::CreateEmbed {
    if badges.is_empty() {
        return embed;
    }
    let listed: Vec<String> = badges
        .iter()
        .map(|(milestone, _)| format!("{} {}", milestone.emoji, milestone.name))
        .collect();
    embed.field("Badges", listed.join(" · "), false)
}

/// The end-of-session summary embed (also used by /session status for a running session).
pub fn session_summary(ended: &EndedSession, running: bool) -> serenity::CreateEmbed {
    let EndedSession {
        session,
        summary,
        previous,
    } = ended;
    let title = match (running, session.end_reason) {
        (true, _) => format!("Session running: {}", session_title(session)),
        (false, Some(SessionEnd::Idle)) => {
            format!("Session over (idle): {}", session_title(session))
        }
        (false, _) => format!("Session over: {}", session_title(session)),
    };
    let mut players = String::new();
    for line in &summary.lines {
        players.push_str(&format!(
            "{} — {} kills, {} team kills\n",
            mention(line.player),
            line.kills,
            line.teamkills
        ));
    }
    if players.is_empty() {
        players.push_str("Nobody recorded anything.");
    }
    let mut embed = serenity::CreateEmbed::new()
        .title(title)
        .colour(COLOUR)
        .description(format!(
            "Started {} · {}",
            timestamp(session.started_at, 'f'),
            humanize_duration(summary.duration)
        ))
        .field(
            "Totals",
            format!(
                "{} · {} · {}",
                count(summary.total_kills, "kill", "kills"),
                count(summary.total_teamkills, "team kill", "team kills"),
                count(summary.lines.len() as u64, "player", "players")
            ),
            false,
        )
        .field("Players", players, false);
    if let Some(mvp) = &summary.mvp {
        embed = embed.field(
            "MVP",
            format!("{} with {} kills", mention(mvp.player), mvp.kills),
            true,
        );
    }
    if let Some(worst) = &summary.most_teamkills {
        embed = embed.field(
            "Most team kills",
            format!("{} with {}", mention(worst.player), worst.teamkills),
            true,
        );
    }
    if let (Some(comparison), Some(previous)) = (&summary.versus_previous, previous) {
        let trend = match comparison.kills_delta {
            delta if delta > 0 => format!("▲ {delta} more kills"),
            delta if delta < 0 => format!("▼ {} fewer kills", -delta),
            _ => "the same number of kills".to_owned(),
        };
        embed = embed.field(
            "Versus the previous session",
            format!(
                "{trend} than {} ({} kills, {} team kills, {} players)",
                timestamp(previous.started_at, 'd'),
                comparison.previous_kills,
                comparison.previous_teamkills,
                comparison.previous_participants
            ),
            false,
        );
    }
    embed
}

/// A session's name for titles: its name, its game, or its number.
#[must_use]
pub fn session_title(session: &GameSession) -> String {
    match (&session.name, &session.game) {
        (Some(name), Some(game)) => format!("{name} ({game})"),
        (Some(name), None) => name.clone(),
        (None, Some(game)) => game.clone(),
        (None, None) => format!("#{}", session.id),
    }
}

/// The /team-stats embed.
pub fn team_stats(stats: &TeamStats, scope: &str) -> serenity::CreateEmbed {
    let mut games = String::new();
    for game in &stats.per_game {
        games.push_str(&format!(
            "{} — {} kills, {} team kills\n",
            game.game.as_deref().unwrap_or("No game"),
            game.kills,
            game.teamkills
        ));
    }
    let mut top = String::new();
    for (index, line) in stats.top_players.iter().enumerate() {
        top.push_str(&format!(
            "`{}.` {} — {} kills, {} team kills\n",
            index + 1,
            mention(line.player),
            line.kills,
            line.teamkills
        ));
    }
    let kills: Vec<u64> = stats.trend.iter().map(|point| point.kills).collect();
    let trend = if kills.is_empty() {
        "No sessions yet.".to_owned()
    } else {
        format!(
            "{} (last {} sessions, oldest first: {})",
            sparkline(&kills),
            kills.len(),
            kills
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" · ")
        )
    };
    let or_none = |text: String| {
        if text.is_empty() {
            "Nothing recorded yet.".to_owned()
        } else {
            text
        }
    };
    serenity::CreateEmbed::new()
        .title(format!("Squad stats · {scope}"))
        .colour(COLOUR)
        .description(format!(
            "**{}** kills · **{}** team kills · {} players · {} sessions",
            stats.kills, stats.teamkills, stats.players, stats.sessions
        ))
        .field("Per game", or_none(games), false)
        .field("Kills per session", trend, false)
        .field("Top players", or_none(top), false)
}

/// The /season list embed.
pub fn seasons(seasons: &[Season]) -> serenity::CreateEmbed {
    let mut description = String::new();
    if seasons.is_empty() {
        description.push_str(
            "No season yet: everything counts as all time. Start one with /season start.",
        );
    }
    for season in seasons {
        let span = match season.ended_at {
            Some(ended) => format!(
                "{} → {}",
                timestamp(season.started_at, 'd'),
                timestamp(ended, 'd')
            ),
            None => format!("since {} · **running**", timestamp(season.started_at, 'd')),
        };
        description.push_str(&format!("**{}** · {span}\n", season.name));
    }
    serenity::CreateEmbed::new()
        .title("Seasons")
        .colour(COLOUR)
        .description(description)
}

/// Voice time as hours with one decimal: "12.5 h".
#[must_use]
pub fn hours(seconds: i64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let hours = seconds as f64 / 3600.0;
    format!("{hours:.1} h")
}

/// The /top embed.
pub fn activity_top(
    standings: &[Standing],
    metric: Metric,
    period: &str,
    channel: Option<ChannelId>,
    caller: UserId,
    limit: usize,
) -> serenity::CreateEmbed {
    let (title, show): (&str, fn(i64) -> String) = match metric {
        Metric::Messages => ("Top posters", |n| {
            count(n.unsigned_abs(), "message", "messages")
        }),
        Metric::VoiceSeconds => ("Most time in voice", hours),
        Metric::Emojis => ("Top emoji users", |n| {
            count(n.unsigned_abs(), "emoji", "emojis")
        }),
        Metric::AppCommands => ("Top command users", |n| {
            count(n.unsigned_abs(), "command", "commands")
        }),
        Metric::Invites => ("Top inviters", |n| {
            count(n.unsigned_abs(), "member brought in", "members brought in")
        }),
    };
    let mut description = channel
        .map(|channel| format!("In <#{channel}>\n"))
        .unwrap_or_default();
    if standings.is_empty() {
        description.push_str("Nothing recorded for this period yet.");
    }
    for (index, standing) in standings.iter().take(limit).enumerate() {
        description.push_str(&format!(
            "`{}.` {} — {}\n",
            index + 1,
            mention(standing.player),
            show(standing.total)
        ));
    }
    let you = standings
        .iter()
        .position(|standing| standing.player == caller)
        .map_or_else(
            || "You are not on this ranking yet.".to_owned(),
            |index| {
                format!(
                    "You are #{} with {}.",
                    index + 1,
                    show(standings[index].total)
                )
            },
        );
    serenity::CreateEmbed::new()
        .title(format!("{title} · {period}"))
        .colour(COLOUR)
        .description(description)
        .field("Your rank", you, false)
}

/// The /me and /user embed.
pub fn activity_profile(
    user: UserId,
    activity: &MemberActivity,
    companions: &[(UserId, chrono::TimeDelta)],
    period: &str,
) -> serenity::CreateEmbed {
    let channels = activity
        .top_channels
        .iter()
        .map(|(channel, messages)| {
            format!("<#{channel}> — {}", count(*messages, "message", "messages"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let emojis = activity
        .top_emojis
        .iter()
        .map(|(emoji, uses)| {
            let shown = ReactionEmoji::from_key(emoji)
                .map_or_else(|| emoji.clone(), |emoji| emoji.display());
            format!("{shown} × {uses}")
        })
        .collect::<Vec<_>>()
        .join("  ");
    let friends = companions
        .iter()
        .map(|(other, time)| format!("{} — {}", mention(*other), hours(time.num_seconds())))
        .collect::<Vec<_>>()
        .join("\n");
    let or_none = |text: String| {
        if text.is_empty() {
            "–".to_owned()
        } else {
            text
        }
    };
    serenity::CreateEmbed::new()
        .title(format!("Activity · {period}"))
        .colour(COLOUR)
        .description(mention(user))
        .field("Messages", activity.messages.to_string(), true)
        .field(
            "Voice",
            hours(i64::try_from(activity.voice_seconds).unwrap_or(i64::MAX)),
            true,
        )
        .field("Top channels", or_none(channels), false)
        .field("Favourite emojis", or_none(emojis), false)
        .field("Most voice time with", or_none(friends), false)
}

/// `header`, as many of `lines` as fit in one Discord message with `footer`, and how many did
/// not fit: a server with 44 milestones would otherwise pass the 2,000-character limit.
#[must_use]
pub fn within_a_message(header: &str, lines: &[String], footer: &str) -> String {
    const LIMIT: usize = 2_000;
    // Room for "… and 44 more" and the line breaks around the footer.
    let room = LIMIT.saturating_sub(header.chars().count() + footer.chars().count() + 24);
    let mut text = String::from(header);
    let mut used = 0;
    let mut shown = 0;
    for line in lines {
        let length = line.chars().count() + 1;
        if used + length > room {
            break;
        }
        text.push('\n');
        text.push_str(line);
        used += length;
        shown += 1;
    }
    if shown < lines.len() {
        let _ = write!(text, "\n… and {} more", lines.len() - shown);
    }
    if !footer.is_empty() {
        text.push('\n');
        text.push_str(footer);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::within_a_message;

    #[test]
    fn long_lists_stay_within_one_message_and_say_how_many_are_left_out() {
        let lines: Vec<String> = (0..44)
            .map(|n| format!("{n:02} {}", "x".repeat(90)))
            .collect();
        let text = within_a_message("Milestones:", &lines, "Footer.");
        assert!(text.chars().count() <= 2_000, "{}", text.chars().count());
        assert!(
            text.starts_with("Milestones:\n00 ") && text.ends_with("Footer."),
            "{text}"
        );
        let shown = text.lines().filter(|line| line.contains("xxx")).count();
        assert!(
            text.contains(&format!("… and {} more", 44 - shown)),
            "{text}"
        );
        let short = within_a_message("Head", &lines[..2], "");
        assert_eq!(short.lines().count(), 3, "{short}");
    }
}
