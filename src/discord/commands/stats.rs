//! /stats, /team-stats and /leaderboard: reading the ledger back, from the cache where it helps.

use poise::serenity_prelude as serenity;

use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::board::{BoardScope, Period, Span};
use crate::domain::ids::UserId;
use crate::domain::kills::KillKind;
use crate::domain::names::GameName;
use crate::domain::team_stats::team_stats as summarize_team;
use crate::squad::player::player_card;

/// How many players a leaderboard shows.
const TOP: usize = 10;

/// The period option of /leaderboard and /team-stats.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum PeriodChoice {
    /// The running season.
    #[name = "season"]
    Season,
    /// Everything.
    #[name = "all-time"]
    AllTime,
    /// Seven UTC days.
    #[name = "7 days"]
    Days7,
    /// Thirty UTC days.
    #[name = "30 days"]
    Days30,
}

impl From<PeriodChoice> for Period {
    fn from(choice: PeriodChoice) -> Self {
        match choice {
            PeriodChoice::Season => Self::Season,
            PeriodChoice::AllTime => Self::AllTime,
            PeriodChoice::Days7 => Self::Days7,
            PeriodChoice::Days30 => Self::Days30,
        }
    }
}

/// The kind option of /leaderboard.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum BoardKind {
    /// Kills.
    #[name = "kills"]
    Kills,
    /// Team kills.
    #[name = "teamkills"]
    Teamkills,
}

/// The top 10 and your own rank, by kills or team kills, for a period and a game.
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Kills (default) or team kills"] kind: Option<BoardKind>,
    #[description = "Season (default), all-time, 7 days or 30 days"] period: Option<PeriodChoice>,
    #[description = "Only this game"]
    #[autocomplete = "checks::autocomplete_game"]
    game: Option<String>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let kind = match kind {
        Some(BoardKind::Teamkills) => KillKind::Teamkill,
        _ => KillKind::Kill,
    };
    let period: Period = period.map_or(Period::Season, Into::into);
    let game = checks::game_option(ctx, guild, game.as_deref()).await?;
    let season = app.store.running_season(guild).await?;
    let span = period.span(app.now(), season.as_ref().map(|season| season.id));
    let scope = BoardScope::new(kind, span, game.as_ref().map(GameName::as_str));
    let caller = UserId(ctx.author().id.get());
    let hidden = app.store.hidden_members(guild).await?;
    let view = app
        .boards
        .view(guild, &scope, caller, TOP + hidden.len())
        .await?
        .without(&hidden, caller, TOP);
    let embed = render::leaderboard(
        &view,
        kind,
        period,
        season.as_ref(),
        span.since(),
        game.as_ref().map(GameName::as_str),
        caller,
    );
    reply::embed(ctx, embed).await?;
    Ok(())
}

/// A player's kills, team kills, sessions, best session, streak and rank: this season and all time.
#[poise::command(slash_command, guild_only)]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "Whose stats (default: yours)"] player: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let player = match &player {
        Some(user) => checks::member_option(ctx, user)?,
        None => UserId(ctx.author().id.get()),
    };
    let card = player_card(app.store.as_ref(), &app.boards, guild, player).await?;
    let embed = render::stats(
        player,
        card.season.as_ref().map(|(season, stats)| (season, stats)),
        &card.all_time,
        card.rank,
    );
    let badges = crate::squad::achievements::badges(app.store.as_ref(), guild, player).await?;
    reply::embed(ctx, render::with_badges(embed, &badges)).await?;
    Ok(())
}

/// The squad's totals, per-game split, kills per session and top players.
#[poise::command(slash_command, guild_only, rename = "team-stats")]
pub async fn team_stats(
    ctx: Context<'_>,
    #[description = "Only this game"]
    #[autocomplete = "checks::autocomplete_game"]
    game: Option<String>,
    #[description = "Season (default), all-time, 7 days or 30 days"] period: Option<PeriodChoice>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let game = checks::game_option(ctx, guild, game.as_deref()).await?;
    let period: Period = period.map_or(Period::Season, Into::into);
    // Folding a large ledger can take a moment: answer "thinking…" first.
    reply::defer(ctx).await?;
    let season = app.store.running_season(guild).await?;
    let span = period.span(app.now(), season.as_ref().map(|season| season.id));
    let (season_id, since) = match span {
        Span::AllTime => (None, None),
        Span::Season(id) => (Some(id), None),
        Span::Since(_) => (None, span.since()),
    };
    let folded = app
        .store
        .folded_entries(guild, season_id, since, game.as_ref().map(GameName::as_str))
        .await?;
    let stats = summarize_team(&folded, 10, 5);
    let mut scope = match (period, &season) {
        (Period::Season, Some(season)) => season.name.clone(),
        (period, _) => period.label().to_owned(),
    };
    if let Some(game) = &game {
        scope.push_str(" · ");
        scope.push_str(game.as_str());
    }
    reply::embed(ctx, render::team_stats(&stats, &scope)).await?;
    Ok(())
}
