//! Plausible synthetic data for every chart: writes the example pictures the README links
//! (`docs/charts/`) and prints render timings.
//!
//! ```text
//! cargo test --release -p trakker --lib charts::samples -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use super::*;

const GAMERS: [&str; 40] = [
    "xX_Sn1per_Xx",
    "NoScopeNinja",
    "LagLord",
    "PixelPaladin",
    "TeaBagTina",
    "RespawnRick",
    "CampingCarl",
    "HeadshotHana",
    "FragMuffin",
    "QuickScopeQ",
    "ToxicTurtle",
    "MedkitMaya",
    "ClutchKing",
    "AFK_Andy",
    "BunnyHopBex",
    "GankGoblin",
    "LootGremlin",
    "WardWizard",
    "Noob_Destroyer_9000",
    "ShieldMaiden",
    "RageQuitRoy",
    "Kappa_Kev",
    "DropShotDan",
    "MidOrFeed",
    "CritCassie",
    "TiltedTom",
    "SmurfSlayer",
    "GG_EZ_Greg",
    "ThrowerTheo",
    "BaitMaster",
    "Zerg_Rush_Zoe",
    "CooldownCody",
    "ManaLeakMia",
    "TankTerry",
    "SupportSam",
    "JungleJules",
    "Wallbang_Wendy",
    "OneTapOlli",
    "PeekabooPete",
    "DefuseDiana",
];

/// A small deterministic pseudo-random sequence (xorshift), so the pictures never change.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        numbers::u64_to_f64(self.0 >> 11) / numbers::u64_to_f64(1 << 53)
    }
    fn below(&mut self, n: usize) -> usize {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "in 0..n"
        )]
        let i = (self.next() * numbers::to_f64(n)) as usize;
        i.min(n - 1)
    }
    /// Roughly normal, mean 0, deviation 1.
    fn bell(&mut self) -> f64 {
        (0..6).map(|_| self.next()).sum::<f64>() - 3.0
    }
}

fn name(i: usize) -> String {
    if i < GAMERS.len() {
        GAMERS[i].to_owned()
    } else {
        format!("{}{}", GAMERS[i % GAMERS.len()], i / GAMERS.len())
    }
}

fn sample_graph(members: usize, edges: usize, communities: usize) -> CommunityGraph {
    let mut dice = Dice(0x5eed_cafe);
    let mut nodes = Vec::with_capacity(members);
    for i in 0..members {
        // Bigger communities first: community sizes fall off geometrically.
        let mut community = 0;
        while community + 1 < communities && dice.next() < 0.45 {
            community += 1;
        }
        let angle = numbers::to_f64(community) * 2.4;
        let spread = 0.9 + 0.5 * (numbers::to_f64(community) * 0.7).cos();
        let hours = 300.0 * dice.next().powi(3) + 1.0;
        nodes.push(GraphNode {
            label: name(i),
            voice_hours: hours,
            community,
            x: 6.0 * angle.cos() + spread * dice.bell(),
            y: 6.0 * angle.sin() + spread * dice.bell(),
            show_label: false,
        });
    }
    let mut by_hours: Vec<usize> = (0..members).collect();
    by_hours.sort_by(|&a, &b| nodes[b].voice_hours.total_cmp(&nodes[a].voice_hours));
    for &i in by_hours.iter().take(45) {
        nodes[i].show_label = true;
    }
    let mut links = Vec::with_capacity(edges);
    while links.len() < edges {
        let a = dice.below(members);
        let b = dice.below(members);
        let same = nodes[a].community == nodes[b].community;
        if a == b || (!same && dice.next() < 0.85) {
            continue;
        }
        // Ties across communities are rarer and weaker, as in a real server.
        let strength = if same { 360_000.0 } else { 60_000.0 };
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "positive"
        )]
        let seconds = (dice.next().powi(4) * strength) as u64 + 600;
        links.push(GraphEdge { a, b, seconds });
    }
    let communities = (0..communities)
        .map(|c| {
            let mut members: Vec<usize> = (0..nodes.len())
                .filter(|&i| nodes[i].community == c)
                .collect();
            members.sort_by(|&a, &b| nodes[b].voice_hours.total_cmp(&nodes[a].voice_hours));
            Community {
                name: match members.len() {
                    1 => format!("Community {} · 1 member", c + 1),
                    n => format!("Community {} · {n} members", c + 1),
                },
                members: members.iter().map(|&i| nodes[i].label.clone()).collect(),
            }
        })
        .collect();
    CommunityGraph {
        title: "Who plays with whom — Jan 1 to Mar 31, 2024".to_owned(),
        nodes,
        edges: links,
        communities,
    }
}

fn sample_duo() -> HorizontalBars {
    let mut dice = Dice(7);
    HorizontalBars {
        title: "Duo time — last 30 days".to_owned(),
        subtitle: "Hours two members spent together in the same voice channel".to_owned(),
        axis_label: "hours together".to_owned(),
        bars: (0..15)
            .map(|i| LabelledHours {
                label: format!("{} & {}", name(i), name(i + 15)),
                hours: 80.0 * (0.82_f64).powi(i32::try_from(i).unwrap_or(0)) + 3.0 * dice.next(),
            })
            .collect(),
    }
}

fn sample_voice() -> HorizontalBars {
    HorizontalBars {
        title: "Time in voice — March 2024".to_owned(),
        subtitle: "Hours each member spent in voice channels".to_owned(),
        axis_label: "hours in voice".to_owned(),
        bars: (0..20)
            .map(|i| LabelledHours {
                label: name(i),
                hours: 140.0 / (1.0 + 0.35 * numbers::to_f64(i)),
            })
            .collect(),
    }
}

fn sample_inactive() -> InactiveMembers {
    let mut dice = Dice(11);
    InactiveMembers {
        title: "Members going quiet — last 14 days vs the 60 days before".to_owned(),
        earlier_label: "Jan 17 – Mar 16".to_owned(),
        recent_label: "Mar 17 – Mar 30".to_owned(),
        members: (0..12)
            .map(|i| {
                let earlier = 0.8 + 4.0 * dice.next();
                InactiveMember {
                    name: name(i + 5),
                    earlier_per_day: earlier,
                    recent_per_day: earlier * 0.5 * dice.next(),
                }
            })
            .collect(),
    }
}

fn sample_weekdays() -> Weekdays {
    let average_hours = [21.5, 19.0, 24.25, 22.0, 31.5, 46.0, 39.5];
    Weekdays {
        title: "Day of the week — Jan 1 to Mar 31, 2024".to_owned(),
        average_hours,
        total_hours: average_hours.map(|h| h * 13.0),
    }
}

fn sample_heatmap() -> HoursHeatmap {
    let mut dice = Dice(3);
    let evening = |hour: usize, scale: f64, dice: &mut Dice| {
        let h = numbers::to_f64(hour);
        let peak = (-((h - 21.0) / 2.6).powi(2)).exp() + 0.35 * (-((h - 14.0) / 2.0).powi(2)).exp();
        let late = if hour < 2 { 0.45 } else { 0.0 };
        ((peak + late) * scale * (0.8 + 0.4 * dice.next()) - 0.03 * scale).max(0.0)
    };
    let months = [
        "Oct 2023", "Nov 2023", "Dec 2023", "Jan 2024", "Feb 2024", "Mar 2024",
    ]
    .iter()
    .enumerate()
    .map(|(m, label)| HourRow {
        label: (*label).to_owned(),
        hours: std::array::from_fn(|h| evening(h, 60.0 + 12.0 * numbers::to_f64(m), &mut dice)),
    })
    .collect();
    let members = (0..8)
        .map(|i| HourRow {
            label: name(i),
            hours: std::array::from_fn(|h| {
                let shifted = (h + 24 - (i % 4)) % 24;
                evening(shifted, 18.0 - numbers::to_f64(i), &mut dice)
            }),
        })
        .collect();
    HoursHeatmap {
        title: "Hours in voice — Oct 2023 to Mar 2024".to_owned(),
        timezone: "Europe/Berlin".to_owned(),
        months,
        members,
    }
}

fn sample_timeline() -> Timeline {
    let mut dice = Dice(5);
    let weeks: Vec<String> = (0..16)
        .map(|w| {
            let day = 1 + w * 7;
            if day <= 31 {
                format!("Jan {day}")
            } else if day <= 60 {
                format!("Feb {}", day - 31)
            } else if day <= 91 {
                format!("Mar {}", day - 60)
            } else {
                format!("Apr {}", day - 91)
            }
        })
        .collect();
    let members: Vec<TimelineSeries> = (0..10)
        .map(|i| TimelineSeries {
            name: name(i),
            hours: (0..weeks.len())
                .map(|w| {
                    let trend = 1.0 + 0.4 * (numbers::to_f64(w) / 3.0 + numbers::to_f64(i)).sin();
                    (22.0 - 1.6 * numbers::to_f64(i)) * trend * (0.7 + 0.6 * dice.next())
                })
                .collect(),
        })
        .collect();
    let community_total = (0..weeks.len())
        .map(|w| members.iter().map(|m| m.hours[w]).sum::<f64>() * 2.6)
        .collect();
    Timeline {
        title: "Weekly voice time — Jan 1 to Apr 21, 2024".to_owned(),
        weeks,
        members,
        community_total,
    }
}

fn sample_messages() -> Messages {
    let mut dice = Dice(9);
    let days: Vec<String> = (1..=60)
        .map(|d| {
            if d <= 31 {
                format!("Mar {d}")
            } else {
                format!("Apr {}", d - 31)
            }
        })
        .collect();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "positive"
    )]
    let per_day = (0..days.len())
        .map(|d| {
            let weekend = if d % 7 >= 5 { 1.6 } else { 1.0 };
            (180.0 * weekend * (0.7 + 0.6 * dice.next())) as u64
        })
        .collect();
    let channels = [
        ("#general", 4_210),
        ("#looking-for-group", 2_980),
        ("#memes", 2_540),
        ("#valorant", 1_870),
        ("#clips-and-highlights", 1_120),
        ("#minecraft-server-announcements-and-maintenance", 640),
        ("#off-topic", 590),
        ("#bot-commands", 310),
        ("#rules", 4),
    ]
    .iter()
    .map(|(name, messages)| ChannelMessages {
        name: (*name).to_owned(),
        messages: *messages,
    })
    .collect();
    Messages {
        title: "Messages — Mar 1 to Apr 29, 2024".to_owned(),
        days,
        per_day,
        channels,
    }
}

/// A twelve-player bracket two rounds in (byes to the top four seeds), drawn from the rules.
fn sample_bracket() -> Bracket {
    use crate::domain::tournament::{Event, Format, Tournament};
    let mut cup = Tournament::new(Format::SingleElimination, 12).expect("a bracket");
    for _ in 0..2 {
        let open: Vec<(u32, usize)> = cup
            .open_matches(None)
            .map(|game| {
                (
                    game.number,
                    game.players[usize::from(game.number % 3 == 0)].expect("p"),
                )
            })
            .collect();
        for (number, winner) in open {
            cup.apply(&Event::Decide { number, winner })
                .expect("decided");
        }
    }
    Bracket {
        title: "Friday night cup".to_owned(),
        subtitle: "single elimination · 12 players · quarter-finals".to_owned(),
        matches: cup
            .matches()
            .iter()
            .map(|game| BracketMatch {
                number: game.number,
                round: game.round,
                players: game.players.map(|seat| match seat {
                    Some(seat) => Some(name(seat)),
                    None if game.round == 1 => Some("bye".to_owned()),
                    None => None,
                }),
                winner: game
                    .winner()
                    .and_then(|winner| game.players.iter().position(|seat| *seat == Some(winner))),
            })
            .collect(),
    }
}

/// A six-player round robin with most of its matches played.
fn sample_cross_table() -> CrossTable {
    let results = vec![
        (0, 1),
        (2, 0),
        (0, 3),
        (4, 0),
        (1, 2),
        (1, 3),
        (5, 1),
        (2, 3),
        (2, 4),
        (3, 4),
        (5, 3),
    ];
    CrossTable {
        title: "Spring league".to_owned(),
        subtitle: "round robin · 6 players".to_owned(),
        entrants: (0..6).map(name).collect(),
        results,
    }
}

/// Renders `draw` a few times and prints the fastest and the median time.
fn timed(
    label: &str,
    runs: usize,
    mut draw: impl FnMut() -> Result<Vec<u8>, ChartError>,
) -> Vec<u8> {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut png = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        png = draw().expect("sample renders");
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "{label:<34} min {:>7.2} ms  median {:>7.2} ms  ({} KB)",
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        png.len() / 1024
    );
    png
}

#[test]
#[ignore = "writes docs/charts/*.png and prints timings; run in release mode"]
fn render_samples_and_timings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/charts");
    std::fs::create_dir_all(&dir).expect("docs/charts");
    // The README's copies are compressed harder: same pixels, smaller files.
    let save = |file: &str, png: &[u8]| {
        let picture = testing::decode(png);
        let smaller = encode::png_with(
            picture.width,
            picture.height,
            picture.rgb(),
            png::Compression::High,
        )
        .expect("encodes");
        std::fs::write(dir.join(file), smaller).expect("write");
    };

    let graph = sample_graph(140, 600, 7);
    save(
        "community_graph.png",
        &timed("community graph (140 nodes)", 10, || {
            community_graph(&graph)
        }),
    );
    let big = sample_graph(2_000, 3_000, 12);
    timed("community graph (2000 nodes, 3000 edges)", 10, || {
        community_graph(&big)
    });
    let duo = sample_duo();
    save(
        "duo.png",
        &timed("duo (15 bars)", 20, || horizontal_bars(&duo)),
    );
    let voice = sample_voice();
    save(
        "voice.png",
        &timed("voice (20 bars)", 20, || horizontal_bars(&voice)),
    );
    let quiet = sample_inactive();
    save(
        "inactive.png",
        &timed("inactive (12 members)", 20, || inactive(&quiet)),
    );
    let week = sample_weekdays();
    save("weekdays.png", &timed("weekdays", 20, || weekdays(&week)));
    let heat = sample_heatmap();
    save(
        "hours_heatmap.png",
        &timed("hours heat map (6 months, 8 members)", 20, || {
            hours_heatmap(&heat)
        }),
    );
    let lines = sample_timeline();
    save(
        "timeline.png",
        &timed("timeline (10 members, 16 weeks)", 20, || timeline(&lines)),
    );
    let posts = sample_messages();
    save(
        "messages.png",
        &timed("messages (60 days, 8 channels)", 20, || messages(&posts)),
    );
    let cup = sample_bracket();
    save(
        "bracket.png",
        &timed("bracket (12 players)", 20, || bracket(&cup)),
    );
    let league = sample_cross_table();
    save(
        "cross_table.png",
        &timed("cross table (6 players)", 20, || cross_table(&league)),
    );
}
