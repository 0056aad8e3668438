//! Tournament pictures: a single-elimination bracket (rounds as columns, each match a box with
//! its two entrants, the winner highlighted, lines to the next match) and a round robin's
//! cross table (who beat whom, wins at the end of each row).

use plotters::prelude::*;

use super::canvas::{self, render, PAD};
use super::{font, palette, text, ChartError};

/// Width of one round's column, in pixels.
const COLUMN: i32 = 250;
/// Space between two columns, where the lines run.
const GUTTER: i32 = 44;
/// Height of one first-round match, box and space, in pixels.
const SLOT: i32 = 64;
/// Height of one entrant's line in a box.
const LINE: i32 = 26;
/// The narrowest and shortest picture, so a small bracket still reads in Discord.
const MIN_WIDTH: i32 = 900;
const MIN_HEIGHT: i32 = 420;
/// Size of an entrant's name.
const NAME: f64 = 16.0;

/// One match of a bracket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BracketMatch {
    /// Its number, as players name it.
    pub number: u32,
    /// Its round, from 1.
    pub round: u32,
    /// Its two entrants' labels, when known ("bye" is for the caller to say).
    pub players: [Option<String>; 2],
    /// The winning side (0 or 1), once settled.
    pub winner: Option<usize>,
}

/// A single-elimination bracket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bracket {
    /// The title: the tournament's name.
    pub title: String,
    /// What it is: format, entrants, state.
    pub subtitle: String,
    /// Every match: round 1 first, each round in bracket order.
    pub matches: Vec<BracketMatch>,
}

/// A round robin's results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossTable {
    /// The title: the tournament's name.
    pub title: String,
    /// What it is: format, entrants, state.
    pub subtitle: String,
    /// The entrants' labels, by seed.
    pub entrants: Vec<String>,
    /// Each settled match as (winner, loser), by seed.
    pub results: Vec<(usize, usize)>,
}

/// Draws a single-elimination bracket.
///
/// # Errors
/// [`ChartError::NoData`] without matches; [`ChartError::InvalidInput`] when a round does not
/// halve the one before.
pub fn bracket(chart: &Bracket) -> Result<Vec<u8>, ChartError> {
    let rounds = chart
        .matches
        .iter()
        .map(|game| game.round)
        .max()
        .unwrap_or(0);
    if rounds == 0 {
        return Err(ChartError::NoData("no matches"));
    }
    let in_round = |round: u32| {
        chart
            .matches
            .iter()
            .filter(|game| game.round == round)
            .count()
    };
    let first = in_round(1);
    for round in 1..=rounds {
        if in_round(round) << (round - 1) != first {
            return Err(ChartError::InvalidInput(format!(
                "round {round} has {} matches for {first} in the first round",
                in_round(round)
            )));
        }
    }
    let columns = i32::try_from(rounds).unwrap_or(i32::MAX);
    let width = (2 * PAD + columns * COLUMN + (columns - 1) * GUTTER).max(MIN_WIDTH);
    let rows = i32::try_from(first).unwrap_or(i32::MAX);
    let height = (canvas::HEADER + rows * SLOT + 2 * PAD).max(MIN_HEIGHT);
    render(dim(width), dim(height), |root| {
        let body = canvas::header(root, &chart.title, &chart.subtitle)?;
        let (left, top) = body.get_base_pixel();
        let mut index_in_round = vec![0_i32; rounds as usize + 1];
        for game in &chart.matches {
            let column = i32::try_from(game.round).unwrap_or(1) - 1;
            let k = index_in_round[game.round as usize];
            index_in_round[game.round as usize] += 1;
            let span = SLOT << column;
            let centre = top + k * span + span / 2;
            let x = left + column * (COLUMN + GUTTER);
            draw_match(root, game, x, centre)?;
            if game.round < rounds {
                // To the next match: across half the gutter, along to its centre, into it.
                let next_centre = top + (k / 2) * (span * 2) + span;
                let middle = x + COLUMN + GUTTER / 2;
                root.draw(&PathElement::new(
                    vec![
                        (x + COLUMN, centre),
                        (middle, centre),
                        (middle, next_centre),
                        (x + COLUMN + GUTTER, next_centre),
                    ],
                    palette::AXIS.stroke_width(2),
                ))?;
            }
        }
        Ok(())
    })
}

fn dim(pixels: i32) -> u32 {
    u32::try_from(pixels).unwrap_or(1)
}

/// One match's box at column `x`, centred on `centre`.
fn draw_match(
    root: &canvas::Area<'_>,
    game: &BracketMatch,
    x: i32,
    centre: i32,
) -> Result<(), ChartError> {
    let top = centre - LINE;
    root.draw(&Rectangle::new(
        [(x, top), (x + COLUMN, centre + LINE)],
        palette::GRID.filled(),
    ))?;
    let name_font = font::font(NAME);
    for (side, player) in game.players.iter().enumerate() {
        let y = top + LINE * i32::try_from(side).unwrap_or(0);
        let won = game.winner == Some(side);
        let lost = game.winner.is_some() && !won;
        if won {
            root.draw(&Rectangle::new(
                [(x, y), (x + 6, y + LINE)],
                palette::SERIES[2].filled(),
            ))?;
        }
        let (label, colour) = match player {
            Some(name) => (
                name.as_str(),
                if lost { palette::MUTED } else { palette::TEXT },
            ),
            None => ("—", palette::MUTED),
        };
        let label = text::fit(label, &name_font, dim(COLUMN - 58));
        root.draw_text(&label, &font::text(NAME, colour), (x + 14, y + 4))?;
    }
    root.draw(&PathElement::new(
        vec![(x, centre), (x + COLUMN, centre)],
        palette::BACKGROUND.stroke_width(1),
    ))?;
    let number = format!("#{}", game.number);
    let number_px = i32::try_from(text::width(&font::font(13.0), &number)).unwrap_or(0);
    root.draw_text(
        &number,
        &font::text(13.0, palette::MUTED),
        (x + COLUMN - 8 - number_px, top + 6),
    )?;
    Ok(())
}

/// Height of a cross table's row, and width of its result cells.
const CELL: i32 = 34;
/// Width of a cross table's name column.
const NAMES: i32 = 240;

/// Draws a round robin's cross table: a row per entrant, "W" where the row's entrant beat the
/// column's, "L" where they lost, then their wins.
///
/// # Errors
/// [`ChartError::NoData`] with fewer than two entrants; [`ChartError::InvalidInput`] for a
/// result naming an entrant that does not exist.
pub fn cross_table(chart: &CrossTable) -> Result<Vec<u8>, ChartError> {
    let count = chart.entrants.len();
    if count < 2 {
        return Err(ChartError::NoData("fewer than two entrants"));
    }
    if let Some((winner, loser)) = chart
        .results
        .iter()
        .find(|(winner, loser)| *winner >= count || *loser >= count || winner == loser)
    {
        return Err(ChartError::InvalidInput(format!(
            "a result {winner} over {loser} among {count} entrants"
        )));
    }
    let mut wins = vec![0_u32; count];
    let mut cells = vec![None; count * count];
    for &(winner, loser) in &chart.results {
        wins[winner] += 1;
        cells[winner * count + loser] = Some(true);
        cells[loser * count + winner] = Some(false);
    }
    let size = i32::try_from(count).unwrap_or(i32::MAX);
    let width = (2 * PAD + NAMES + size * CELL + 90).max(MIN_WIDTH);
    let height = (canvas::HEADER + (size + 1) * CELL + 2 * PAD).max(MIN_HEIGHT);
    render(dim(width), dim(height), |root| {
        let body = canvas::header(root, &chart.title, &chart.subtitle)?;
        let (left, top) = body.get_base_pixel();
        let small = font::text(canvas::SMALL, palette::MUTED);
        let cells_left = left + NAMES;
        for column in 0..size {
            let label = (column + 1).to_string();
            root.draw_text(&label, &small, (cells_left + column * CELL + 8, top + 8))?;
        }
        root.draw_text("wins", &small, (cells_left + size * CELL + 16, top + 8))?;
        let name_font = font::font(NAME);
        for (row, name) in chart.entrants.iter().enumerate() {
            let row_at = i32::try_from(row).unwrap_or(0);
            let y = top + (row_at + 1) * CELL;
            let label = text::fit(&format!("{}. {name}", row + 1), &name_font, dim(NAMES - 12));
            root.draw_text(&label, &font::text(NAME, palette::TEXT), (left, y + 8))?;
            for column in 0..count {
                let column_at = i32::try_from(column).unwrap_or(0);
                let x = cells_left + column_at * CELL;
                let (fill, mark) = match cells[row * count + column] {
                    _ if row == column => (palette::BACKGROUND, ""),
                    Some(true) => (palette::SERIES[2], "W"),
                    Some(false) => (palette::GRID, "L"),
                    None => (palette::GRID, "·"),
                };
                root.draw(&Rectangle::new(
                    [(x + 2, y + 2), (x + CELL - 2, y + CELL - 2)],
                    fill.filled(),
                ))?;
                root.draw_text(mark, &font::text(NAME, palette::TEXT), (x + 11, y + 8))?;
            }
            root.draw_text(
                &wins[row].to_string(),
                &font::text(NAME, palette::TEXT),
                (cells_left + size * CELL + 24, y + 8),
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::decode;

    fn game(
        number: u32,
        round: u32,
        a: Option<&str>,
        b: Option<&str>,
        winner: Option<usize>,
    ) -> BracketMatch {
        BracketMatch {
            number,
            round,
            players: [a.map(str::to_owned), b.map(str::to_owned)],
            winner,
        }
    }

    fn four() -> Bracket {
        Bracket {
            title: "Friday cup".to_owned(),
            subtitle: "single elimination · 4 players".to_owned(),
            matches: vec![
                game(1, 1, Some("Ada"), Some("Dex"), Some(0)),
                game(2, 1, Some("Bob"), Some("Cyra"), Some(1)),
                game(3, 2, Some("Ada"), Some("Cyra"), None),
            ],
        }
    }

    #[test]
    fn a_bracket_draws_boxes_winners_and_lines_in_a_picture_that_grows_with_it() {
        let picture = decode(&bracket(&four()).expect("renders"));
        assert!(picture.width >= dim(MIN_WIDTH) && picture.height >= dim(MIN_HEIGHT));
        assert!(
            picture.count_colour(palette::GRID) > 3 * 200 * 40,
            "three boxes"
        );
        let winners = picture.count_colour(palette::SERIES[2]);
        assert!(
            (200..=500).contains(&winners),
            "two winners marked: {winners}"
        );
        let mut big = four();
        big.matches = (1..=64)
            .map(|number| game(number, 1, Some("a"), Some("b"), None))
            .chain((65..=127).map(|number| {
                let round = 7 - (128_u32 - number).ilog2();
                game(number, round, None, None, None)
            }))
            .collect();
        let large = decode(&bracket(&big).expect("renders"));
        assert_eq!(large.height, dim(canvas::HEADER + 64 * SLOT + 2 * PAD));
        assert_eq!(large.width, dim(2 * PAD + 7 * COLUMN + 6 * GUTTER));
    }

    #[test]
    fn a_bracket_whose_rounds_do_not_halve_is_refused() {
        let mut chart = four();
        chart.matches.remove(0);
        assert!(matches!(bracket(&chart), Err(ChartError::InvalidInput(_))));
        chart.matches.clear();
        assert!(matches!(bracket(&chart), Err(ChartError::NoData(_))));
    }

    #[test]
    fn a_cross_table_marks_wins_and_refuses_unknown_entrants() {
        let mut chart = CrossTable {
            title: "League".to_owned(),
            subtitle: "round robin · 3 players".to_owned(),
            entrants: vec!["Ada".to_owned(), "Bob".to_owned(), "Cyra".to_owned()],
            results: vec![(0, 1), (2, 0)],
        };
        let picture = decode(&cross_table(&chart).expect("renders"));
        let win_cell = ((CELL - 4) * (CELL - 4)) as usize;
        let wins = picture.count_colour(palette::SERIES[2]);
        assert!(wins > win_cell && wins <= 2 * win_cell, "two wins: {wins}");
        chart.results.push((1, 3));
        assert!(matches!(
            cross_table(&chart),
            Err(ChartError::InvalidInput(_))
        ));
        chart.entrants.truncate(1);
        assert!(matches!(cross_table(&chart), Err(ChartError::NoData(_))));
    }
}
