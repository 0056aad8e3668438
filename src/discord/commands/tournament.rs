//! /tournament: a manager creates one (members join with its button), starts it (the draw and
//! the bracket), decides disputed matches or cancels it; players report their results and can
//! leave; anyone sees the bracket.

use poise::serenity_prelude as serenity;

use crate::discord::{checks, reply, tournament, CommandError, Context};
use crate::domain::ids::{ChannelId, UserId};
use crate::domain::names::TournamentName;
use crate::domain::tournament::{Format, Seeding, MAX_TEAM_SIZE};
use crate::squad::tournaments::{self, Progress};
use crate::store::tournaments::NewTournament;

/// The format option.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum FormatChoice {
    /// Lose once and you are out.
    #[name = "single elimination"]
    SingleElimination,
    /// Everyone plays everyone.
    #[name = "round robin"]
    RoundRobin,
}

/// The seeding option.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum SeedingChoice {
    /// A random draw.
    #[name = "random draw"]
    Random,
    /// Most kills this season first.
    #[name = "season kills"]
    Kills,
}

/// Tournaments: join with the button, report your results, see the bracket.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "start", "report", "decide", "leave", "bracket", "cancel"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn tournament(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Create a tournament; members join with its button (managers only).
#[poise::command(slash_command, guild_only)]
pub async fn create(
    ctx: Context<'_>,
    #[description = "Its name"]
    #[max_length = 60]
    name: String,
    #[description = "Single elimination or round robin"] format: FormatChoice,
    #[description = "The game it is played in"]
    #[autocomplete = "checks::autocomplete_game"]
    game: Option<String>,
    #[description = "Players per team, dealt at the start (default 1: players)"]
    #[min = 1]
    #[max = 5]
    team_size: Option<u32>,
    #[description = "How entrants are ordered (default: random draw)"] seeding: Option<
        SeedingChoice,
    >,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let name = TournamentName::parse(&name).map_err(CommandError::User)?;
    let team_size = team_size.unwrap_or(1);
    if !(1..=u32::try_from(MAX_TEAM_SIZE).unwrap_or(u32::MAX)).contains(&team_size) {
        return Err(CommandError::user(format!(
            "A team has between 1 and {MAX_TEAM_SIZE} players."
        )));
    }
    let game = checks::game_option(ctx, guild, game.as_deref()).await?;
    let new = NewTournament {
        guild_id: guild,
        name: name.as_str().to_owned(),
        game: game.map(|game| game.as_str().to_owned()),
        format: match format {
            FormatChoice::SingleElimination => Format::SingleElimination,
            FormatChoice::RoundRobin => Format::RoundRobin,
        },
        team_size,
        seeding: match seeding {
            Some(SeedingChoice::Kills) => Seeding::Kills,
            Some(SeedingChoice::Random) | None => Seeding::Random,
        },
        channel_id: ChannelId(ctx.channel_id().get()),
        created_by: checks::caller(ctx).user_id,
        created_at: ctx.data().now(),
    };
    let store = ctx.data().store.as_ref();
    let id = tournaments::create(store, &new).await?;
    let Some(record) = store.tournament(guild, id).await? else {
        return Err(CommandError::user("The tournament could not be read back; try again."));
    };
    let loaded = tournaments::load(store, record).await?;
    let lobby = tournament::lobby(&loaded);
    let reply = reply::public()
        .content(lobby.content.unwrap_or_default())
        .components(lobby.rows);
    reply::send(ctx, reply).await.map(drop)
}

/// Close entries, draw the seats and post the bracket (managers only).
#[poise::command(slash_command, guild_only)]
pub async fn start(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    reply::defer_as(ctx, false).await?;
    let app = ctx.data();
    let loaded = tournaments::start(app.store.as_ref(), guild, app.now()).await?;
    let before = format!(
        "The draw is made: {} entrants.",
        loaded.seats.len()
    );
    // First-round byes and walkovers are results too.
    let settled: Vec<u32> = loaded
        .bracket
        .as_ref()
        .map(|bracket| {
            bracket
                .matches()
                .iter()
                .filter(|game| game.winner().is_some())
                .map(|game| game.number)
                .collect()
        })
        .unwrap_or_default();
    tournament::publish_results(app, &loaded, &settled).await;
    let reply = tournament::bracket_reply(app, &loaded, &before).await;
    reply::send(ctx, reply).await.map(drop)
}

/// Report who won your match; both players must agree.
#[poise::command(slash_command, guild_only)]
pub async fn report(
    ctx: Context<'_>,
    #[description = "The match's number, from /tournament bracket"]
    #[rename = "match"]
    #[min = 1]
    #[max = 1000]
    number: u32,
    #[description = "Who won (any player of the winning team)"] winner: serenity::User,
) -> Result<(), CommandError> {
    settle(ctx, number, &winner, false).await
}

/// Decide a match, e.g. when its players disagree (managers only).
#[poise::command(slash_command, guild_only)]
pub async fn decide(
    ctx: Context<'_>,
    #[description = "The match's number, from /tournament bracket"]
    #[rename = "match"]
    #[min = 1]
    #[max = 1000]
    number: u32,
    #[description = "Who won (any player of the winning team)"] winner: serenity::User,
) -> Result<(), CommandError> {
    settle(ctx, number, &winner, true).await
}

/// A player's report, or a manager's decision (`decides`), of who won match `number`.
async fn settle(
    ctx: Context<'_>,
    number: u32,
    winner: &serenity::User,
    decides: bool,
) -> Result<(), CommandError> {
    let guild = if decides {
        checks::manager_guild(ctx).await?
    } else {
        checks::guild(ctx)?
    };
    let winner = checks::member_option(ctx, winner)?;
    let by = checks::caller(ctx).user_id;
    let store = ctx.data().store.as_ref();
    let now = ctx.data().now();
    let progress = if decides {
        tournaments::decide(store, guild, by, number, winner, now).await?
    } else {
        tournaments::report(store, guild, by, number, winner, now).await?
    };
    answer_progress(ctx, &progress, number, by).await
}

/// The answer to a report or a decision: what it settled, the match kills, what is next.
async fn answer_progress(
    ctx: Context<'_>,
    progress: &Progress,
    number: u32,
    by: UserId,
) -> Result<(), CommandError> {
    let app = ctx.data();
    let loaded = &progress.loaded;
    tournament::publish_results(app, loaded, &progress.settled).await;
    if progress.settled.is_empty() {
        let text = format!(
            "{} reported the result of match {number}; it counts once the other side reports the same winner (or a manager decides with /tournament decide).",
            crate::discord::render::mention(by)
        );
        return reply::send(ctx, reply::public().content(text)).await.map(drop);
    }
    reply::defer_as(ctx, false).await?;
    let mut before = format!("Match {number} is settled.");
    let kills = tournament::match_kills_line(app, loaded, number).await?;
    if !kills.is_empty() {
        before.push('\n');
        before.push_str(&kills);
    }
    let reply = tournament::bracket_reply(app, loaded, &before).await;
    reply::send(ctx, reply).await.map(drop)
}

/// Leave the tournament: before the start your entry goes; after it, your matches are
/// walkovers.
#[poise::command(slash_command, guild_only)]
pub async fn leave(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let current = tournaments::current(app.store.as_ref(), guild).await?;
    let user = checks::caller(ctx).user_id;
    let leaving =
        tournaments::leave(app.store.as_ref(), guild, current.record.id, user, app.now()).await?;
    tournament::publish_results(app, &leaving.loaded, &leaving.settled).await;
    let name = &leaving.loaded.record.settings.name;
    if leaving.settled.is_empty() {
        return reply::private_text(ctx, &format!("You left {name}.")).await;
    }
    let before = format!(
        "{} left {name}; their open matches are walkovers.",
        crate::discord::render::mention(user)
    );
    let reply = tournament::bracket_reply(app, &leaving.loaded, &before).await;
    reply::send(ctx, reply).await.map(drop)
}

/// The bracket of the current (or last) tournament, with its picture.
#[poise::command(slash_command, guild_only)]
pub async fn bracket(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let loaded = tournaments::latest(app.store.as_ref(), guild).await?;
    if loaded.bracket.is_none() {
        let lobby = tournament::lobby(&loaded);
        let reply = reply::public()
            .content(lobby.content.unwrap_or_default())
            .components(lobby.rows);
        return reply::send(ctx, reply).await.map(drop);
    }
    reply::defer_as(ctx, false).await?;
    let reply = tournament::bracket_reply(app, &loaded, "").await;
    reply::send(ctx, reply).await.map(drop)
}

/// Cancel the open or running tournament (managers only).
#[poise::command(slash_command, guild_only)]
pub async fn cancel(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let loaded = tournaments::cancel(ctx.data().store.as_ref(), guild, ctx.data().now()).await?;
    let played = loaded.bracket.as_ref().map_or(0, |bracket| {
        bracket
            .matches()
            .iter()
            .filter(|game| game.loser().is_some())
            .count()
    });
    let text = format!(
        "🏆 **{}** was cancelled{}. /tournament bracket still shows it.",
        loaded.record.settings.name,
        if played > 0 {
            let played = u64::try_from(played).unwrap_or(u64::MAX);
            format!(" after {}", crate::discord::render::count(played, "match", "matches"))
        } else {
            String::new()
        }
    );
    reply::send(ctx, reply::public().content(text)).await.map(drop)
}
