//! Tournaments on Discord: the lobby message with its Join and Leave buttons, the bracket as text
//! and as a picture, a result with its match kills, the final standings, and the
//! `tournament.result` webhook event of each settled match.

use std::collections::HashMap;
use std::fmt::Write as _;

use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::charts::{self, BracketMatch};
use crate::community::charts::FORMER_MEMBER;
use crate::discord::reply::{self, ClickUpdate};
use crate::discord::{checks, render, CommandError};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::tournament::{Format, Outcome, Settled, State};
use crate::domain::webhooks::Event;
use crate::squad::tournaments::{self, format_label, Loaded};

/// The start of every tournament button's `custom_id`: `tournament:join:<id>` or
/// `tournament:leave:<id>`.
pub const PREFIX: &str = "tournament:";

/// The most members the lobby names; the rest are counted.
const NAMED_IN_LOBBY: usize = 40;

/// How an erased member is shown.
const ERASED: &str = "erased member";

/// The lobby's text for where the tournament stands, and its buttons while it is open.
#[must_use]
pub fn lobby(loaded: &Loaded) -> ClickUpdate {
    let settings = &loaded.record.settings;
    let mut text = format!("🏆 **{}** — {}", settings.name, describe(loaded));
    let entered: Vec<UserId> = loaded
        .entrants
        .iter()
        .map(|entrant| entrant.user_id)
        .collect();
    match loaded.record.state {
        State::Open => {
            text.push_str(
                "\nPress **Join** to enter and **Leave** to withdraw; a manager starts it with \
                 /tournament start.",
            );
            let _ = write!(
                text,
                "\n**{} entered** (at most {})",
                entered.len(),
                loaded.most_members()
            );
            if !entered.is_empty() {
                let named: Vec<String> = entered
                    .iter()
                    .take(NAMED_IN_LOBBY)
                    .map(|user| member(*user))
                    .collect();
                let _ = write!(text, ": {}", named.join(", "));
                if entered.len() > NAMED_IN_LOBBY {
                    let _ = write!(text, " and {} more", entered.len() - NAMED_IN_LOBBY);
                }
            }
        }
        State::Running => text.push_str("\nIt has started: /tournament bracket shows the matches."),
        State::Finished => text.push_str("\nIt is over: /tournament bracket shows the results."),
        State::Cancelled => text.push_str("\nIt was cancelled."),
    }
    let rows = if loaded.record.state == State::Open {
        vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(format!("{PREFIX}join:{}", loaded.record.id))
                .label("Join")
                .style(serenity::ButtonStyle::Success),
            serenity::CreateButton::new(format!("{PREFIX}leave:{}", loaded.record.id))
                .label("Leave")
                .style(serenity::ButtonStyle::Secondary),
        ])]
    } else {
        Vec::new()
    };
    ClickUpdate {
        content: Some(text),
        embed: None,
        rows,
    }
}

/// "single elimination, teams of 2, seeded by season kills, in Valorant".
fn describe(loaded: &Loaded) -> String {
    let settings = &loaded.record.settings;
    let mut text = format_label(settings.format).to_owned();
    if settings.team_size > 1 {
        let _ = write!(text, ", teams of {} dealt at the start", settings.team_size);
    } else {
        text.push_str(", players");
    }
    text.push_str(match settings.seeding {
        crate::domain::tournament::Seeding::Random => ", random draw",
        crate::domain::tournament::Seeding::Kills => ", seeded by season kills",
    });
    if let Some(game) = &settings.game {
        let _ = write!(text, ", in {game}");
    }
    text
}

fn member(user: UserId) -> String {
    if user.is_erased() {
        ERASED.to_owned()
    } else {
        render::mention(user)
    }
}

/// A seat as text: the player's mention, or "Team 2 (@a, @b)".
#[must_use]
pub fn seat_label(loaded: &Loaded, seat: usize) -> String {
    let members = loaded.seats.get(seat).map_or(&[][..], Vec::as_slice);
    if loaded.record.settings.team_size > 1 {
        let names: Vec<String> = members.iter().map(|user| member(*user)).collect();
        format!("Team {} ({})", seat + 1, names.join(", "))
    } else {
        members
            .first()
            .map_or_else(|| "?".to_owned(), |user| member(*user))
    }
}

/// A seat by display name, for the picture.
fn seat_name(loaded: &Loaded, seat: usize, names: &HashMap<UserId, String>) -> String {
    let members = loaded.seats.get(seat).map_or(&[][..], Vec::as_slice);
    let name = |user: &UserId| {
        if user.is_erased() {
            ERASED.to_owned()
        } else {
            names
                .get(user)
                .cloned()
                .unwrap_or_else(|| FORMER_MEMBER.to_owned())
        }
    };
    if loaded.record.settings.team_size > 1 {
        let members: Vec<String> = members.iter().map(name).collect();
        format!("Team {}: {}", seat + 1, members.join(", "))
    } else {
        members.first().map_or_else(|| "?".to_owned(), name)
    }
}

/// One match as a line: "`#3` @a vs @b — @a won (agreed)".
fn match_line(loaded: &Loaded, game: &crate::domain::tournament::Match) -> String {
    let side = |seat: Option<usize>| {
        seat.map_or_else(|| "bye".to_owned(), |seat| seat_label(loaded, seat))
    };
    let players = format!("{} vs {}", side(game.players[0]), side(game.players[1]));
    let state = match game.outcome {
        Outcome::Waiting => "waiting for its players".to_owned(),
        Outcome::Open(_) => "to play".to_owned(),
        Outcome::Disputed(_) => {
            "the players reported different winners: a manager decides".to_owned()
        }
        Outcome::Won(winner, how) => {
            let how = match how {
                Settled::Agreed => "agreed",
                Settled::Decided => "decided by a manager",
                Settled::Walkover => "walkover",
                Settled::Bye => "bye",
            };
            format!("🏅 {} ({how})", seat_label(loaded, winner))
        }
    };
    if matches!(game.outcome, Outcome::Won(_, Settled::Bye)) {
        return format!(
            "`#{}` {} — bye",
            game.number,
            seat_label(loaded, game.winner().unwrap_or(0))
        );
    }
    format!("`#{}` {players} — {state}", game.number)
}

/// `before` (what just happened, if anything), the matches still to play, then the results, most
/// recent first, within one message.
#[must_use]
pub fn bracket_text(loaded: &Loaded, before: &str) -> String {
    let settings = &loaded.record.settings;
    let Some(bracket) = &loaded.bracket else {
        return format!("🏆 **{}** has not started.", settings.name);
    };
    let state = match loaded.record.state {
        State::Finished => format!("🏆 **{}** is over.", settings.name),
        State::Cancelled => format!("🏆 **{}** was cancelled; results so far:", settings.name),
        _ => format!("🏆 **{}** — {}.", settings.name, describe(loaded)),
    };
    let header = if before.is_empty() {
        state
    } else {
        format!("{before}\n{state}")
    };
    let mut lines: Vec<String> = Vec::new();
    if bracket.is_finished() {
        lines.extend(standings_lines(loaded));
    } else {
        let open: Vec<String> = bracket
            .open_matches(None)
            .map(|game| match_line(loaded, game))
            .collect();
        if !open.is_empty() && loaded.record.state == State::Running {
            lines.push("**To play** (players report with /tournament report):".to_owned());
            lines.extend(open);
        }
    }
    let mut settled: Vec<&crate::domain::tournament::Match> = bracket
        .matches()
        .iter()
        .filter(|game| {
            game.winner().is_some() && !matches!(game.outcome, Outcome::Won(_, Settled::Bye))
        })
        .collect();
    settled.sort_by_key(|game| std::cmp::Reverse(game.number));
    if !settled.is_empty() {
        lines.push("**Results**:".to_owned());
        lines.extend(settled.into_iter().map(|game| match_line(loaded, game)));
    }
    render::within_a_message(&header, &lines, "")
}

/// The standings as lines: "🥇 1. @a — 3 wins, 0 losses".
fn standings_lines(loaded: &Loaded) -> Vec<String> {
    let Some(bracket) = &loaded.bracket else {
        return Vec::new();
    };
    let mut lines = vec!["**Final standings**:".to_owned()];
    for standing in bracket.standings() {
        let medal = match standing.place {
            1 => "🥇 ",
            2 => "🥈 ",
            3 => "🥉 ",
            _ => "",
        };
        lines.push(format!(
            "{medal}{}. {} — {}, {}",
            standing.place,
            seat_label(loaded, standing.entrant),
            render::count(u64::from(standing.wins), "win", "wins"),
            render::count(u64::from(standing.losses), "loss", "losses"),
        ));
    }
    lines
}

/// The bracket (or cross table) as a PNG, drawn off the async runtime; `None` before the start.
///
/// # Errors
/// When the store fails or the picture cannot be drawn.
pub async fn picture(app: &App, loaded: &Loaded) -> Result<Option<Vec<u8>>, CommandError> {
    let Some(bracket) = &loaded.bracket else {
        return Ok(None);
    };
    let settings = &loaded.record.settings;
    let names: HashMap<UserId, String> = app
        .store
        .member_directory(settings.guild_id)
        .await?
        .into_iter()
        .filter(|entry| !entry.left)
        .map(|entry| (entry.user, entry.display_name))
        .collect();
    let noun = if settings.team_size > 1 {
        "teams"
    } else {
        "players"
    };
    let state = match loaded.record.state {
        State::Finished => bracket
            .standings()
            .first()
            .map_or_else(String::new, |first| {
                format!(" · won by {}", seat_name(loaded, first.entrant, &names))
            }),
        State::Cancelled => " · cancelled".to_owned(),
        _ => String::new(),
    };
    let subtitle = format!(
        "{} · {} {noun}{state}",
        format_label(settings.format),
        bracket.entrants()
    );
    let title = settings.name.clone();
    let png = match settings.format {
        Format::SingleElimination => {
            let matches = bracket
                .matches()
                .iter()
                .map(|game| BracketMatch {
                    number: game.number,
                    round: game.round,
                    players: game.players.map(|seat| {
                        seat.map(|seat| seat_name(loaded, seat, &names))
                            .or_else(|| {
                                matches!(game.outcome, Outcome::Won(_, Settled::Bye))
                                    .then(|| "bye".to_owned())
                            })
                    }),
                    winner: game.winner().and_then(|winner| {
                        game.players.iter().position(|seat| *seat == Some(winner))
                    }),
                })
                .collect();
            let chart = charts::Bracket {
                title,
                subtitle,
                matches,
            };
            tokio::task::spawn_blocking(move || charts::bracket(&chart))
        }
        Format::RoundRobin => {
            let chart = charts::CrossTable {
                title,
                subtitle,
                entrants: (0..bracket.entrants())
                    .map(|seat| seat_name(loaded, seat, &names))
                    .collect(),
                results: bracket
                    .matches()
                    .iter()
                    .filter_map(|game| Some((game.winner()?, game.loser()?)))
                    .collect(),
            };
            tokio::task::spawn_blocking(move || charts::cross_table(&chart))
        }
    };
    let png = png
        .await
        .map_err(|error| CommandError::Internal(error.into()))?
        .map_err(|error| CommandError::Internal(error.into()))?;
    Ok(Some(png))
}

/// The bracket's text after `before`, with its picture attached when it can be drawn.
pub async fn bracket_reply(app: &App, loaded: &Loaded, before: &str) -> poise::CreateReply {
    let mut reply = reply::public().content(bracket_text(loaded, before));
    // The result is saved already: a picture that cannot be drawn must not turn the answer
    // into an error the player would retry.
    match picture(app, loaded).await {
        Ok(Some(png)) => {
            reply = reply.attachment(serenity::CreateAttachment::bytes(
                png,
                format!("tournament-{}.png", loaded.record.id),
            ));
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, tournament = loaded.record.id, "could not draw the bracket");
        }
    }
    reply
}

/// What a settled match's players tracked while it ran: "Match kills: @a 7 · @b 4".
///
/// # Errors
/// When the store fails.
pub async fn match_kills_line(
    app: &App,
    loaded: &Loaded,
    number: u32,
) -> Result<String, CommandError> {
    let kills = tournaments::match_kills(app.store.as_ref(), loaded, number, app.now()).await?;
    if kills.is_empty() {
        return Ok(String::new());
    }
    let parts: Vec<String> = kills
        .iter()
        .map(|(user, kills)| format!("{} {kills}", member(*user)))
        .collect();
    Ok(format!("Match {number} kills: {}", parts.join(" · ")))
}

/// Queues the `tournament.result` event of each match in `settled`.
pub async fn publish_results(app: &App, loaded: &Loaded, settled: &[u32]) {
    for number in settled {
        if let Some(data) = tournaments::result_data(loaded, *number) {
            app.webhooks
                .publish(
                    loaded.record.settings.guild_id,
                    Event::TournamentResult,
                    data,
                )
                .await;
        }
    }
}

/// What a tournament button asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Click {
    Join(i64),
    Leave(i64),
}

impl Click {
    fn parse(custom_id: &str) -> Option<Self> {
        let rest = custom_id.strip_prefix(PREFIX)?;
        let (action, id) = rest.split_once(':')?;
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        match action {
            "join" => Some(Self::Join(id)),
            "leave" => Some(Self::Leave(id)),
            _ => None,
        }
    }
}

/// Answers a Join or Leave click: the lobby message is redrawn with the entrants; a refusal
/// (entered already, full, started, not entered, another server's tournament) is said privately.
///
/// # Errors
/// When Discord refuses the answer.
pub async fn on_component(
    ctx: &serenity::Context,
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<(), CommandError> {
    reply::answer_click(ctx, click, "tournament button", async {
        let Some(guild) = click.guild_id.map(|guild| GuildId(guild.get())) else {
            return Err(CommandError::user("Tournaments only work inside a server."));
        };
        let Some(asked) = Click::parse(&click.data.custom_id) else {
            return Err(CommandError::user("That button is not one of this bot's."));
        };
        let user = checks::clicker(click).user_id;
        if click.user.bot {
            return Err(CommandError::user("Bots cannot enter tournaments."));
        }
        let store = app.store.as_ref();
        let now = app.now();
        let loaded = match asked {
            Click::Join(id) => tournaments::join(store, guild, id, user, now).await?,
            Click::Leave(id) => {
                let started = store
                    .tournament(guild, id)
                    .await?
                    .is_some_and(|record| record.state != State::Open);
                if started {
                    // An old lobby must not forfeit a running tournament in one click.
                    return Err(CommandError::user(
                        "This tournament has started: to leave it, use /tournament leave.",
                    ));
                }
                let leaving = tournaments::leave(store, guild, id, user, now).await?;
                publish_results(app, &leaving.loaded, &leaving.settled).await;
                leaving.loaded
            }
        };
        Ok(lobby(&loaded))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_read_back_and_forgeries_do_not() {
        assert_eq!(Click::parse("tournament:join:12"), Some(Click::Join(12)));
        assert_eq!(Click::parse("tournament:leave:3"), Some(Click::Leave(3)));
        for forged in [
            "tournament:join:",
            "tournament:join:-1",
            "tournament:kick:3",
            "tournament:join:x",
            "join:3",
        ] {
            assert_eq!(Click::parse(forged), None, "{forged}");
        }
    }
}
