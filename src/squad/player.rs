//! A player's stats card for /stats: their numbers this season and all time, and their rank on
//! the season's kill board (the all-time board when no season runs).

use crate::domain::board::{BoardScope, Span};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::kills::KillKind;
use crate::domain::player_stats::{player_stats, PlayerStats};
use crate::squad::Leaderboards;
use crate::store::{Season, Store, StoreError};

/// What /stats shows of one player.
#[derive(Clone, Debug)]
pub struct PlayerCard {
    /// The running season and the player's numbers in it, when a season runs.
    pub season: Option<(Season, PlayerStats)>,
    /// The player's numbers over the whole ledger.
    pub all_time: PlayerStats,
    /// The player's place and kills on the season's board (all time without a season).
    pub rank: Option<(u64, i64)>,
}

/// Reads `player`'s card in `guild`: one read of their ledger, split by season in memory.
///
/// # Errors
/// When the store fails.
pub async fn player_card(
    store: &dyn Store,
    boards: &Leaderboards,
    guild: GuildId,
    player: UserId,
) -> Result<PlayerCard, StoreError> {
    let season = store.running_season(guild).await?;
    let entries = store.player_tallies(guild, player).await?;
    let all_time = player_stats(&entries);
    let span = season
        .as_ref()
        .map_or(Span::AllTime, |season| Span::Season(season.id));
    let season = season.map(|season| {
        let in_season: Vec<_> = entries
            .iter()
            .filter(|entry| entry.season_id == Some(season.id))
            .copied()
            .collect();
        let stats = player_stats(&in_season);
        (season, stats)
    });
    let scope = BoardScope::new(KillKind::Kill, span, None);
    let rank = boards.view(guild, &scope, player, 0).await?.caller;
    Ok(PlayerCard {
        season,
        all_time,
        rank,
    })
}
