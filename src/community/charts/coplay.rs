//! The community graph and the duo chart: both read who was in voice together.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::cache::GuildHistory;
use super::names::Names;
use super::{hours, list, ranking, Drawing, Rendered, Request};
use crate::charts::{
    self, Community, CommunityGraph, GraphEdge, GraphNode, HorizontalBars, LabelledHours,
};
use crate::domain::coplay::{
    centre_and_edge, detect_communities, force_layout, CentreAndEdge, Communities, CoplayGraph,
    LayoutOptions, MemberCentrality, PairOverlap,
};
use crate::domain::ids::UserId;

/// The most lines the graph draws: beyond that the picture is a grey mat. Every pair still
/// counts for the communities and the layout.
const DRAWN_EDGES: usize = 3_000;

/// Lines drawn per member, below [`DRAWN_EDGES`]: the strongest six per member already show who
/// plays with whom; more only grey the picture (and slow its drawing).
const DRAWN_EDGES_PER_MEMBER: usize = 6;

/// How many of the strongest lines a graph of `members` members draws.
fn drawn_edges(members: usize) -> usize {
    (members * DRAWN_EDGES_PER_MEMBER).clamp(300, DRAWN_EDGES)
}

/// Members named on the graph itself (the most time in voice); the legend names everyone.
const LABELLED: usize = 30;

/// Members named at the centre and at the edge in the embed.
const CENTRE_AND_EDGE: usize = 5;

/// Members need this much time with others (one hour) to be placed at the centre or the edge:
/// someone new has a low score because they are new.
const MEANINGFUL_MS: f64 = 3_600_000.0;

/// The pairs the duo chart ranks.
const DUOS: usize = 20;

/// The seed of every random choice, so the same data draws the same picture.
const SEED: u64 = 42;

/// The `top` strongest pairs of shown members over the period (most time first, ties by pair)
/// and how many pairs were together at all; every pair also goes to `each`. A large server has
/// hundreds of thousands of pairs and a chart shows a few thousand at most, so they are never
/// all held here.
fn strongest_pairs(
    request: &Request,
    names: &Names,
    history: &mut GuildHistory,
    top: usize,
    mut each: impl FnMut(&PairOverlap),
) -> (Vec<PairOverlap>, usize) {
    let strongest = |a: &PairOverlap, b: &PairOverlap| {
        b.overlap_ms.cmp(&a.overlap_ms).then(a.pair.cmp(&b.pair))
    };
    let mut kept: Vec<PairOverlap> = Vec::with_capacity(2 * top + 1);
    let mut count = 0;
    history.pairs(request.tz()).each_overlap(
        request.first_day(),
        |user| names.shown(UserId(user)),
        |overlap| {
            count += 1;
            each(&overlap);
            kept.push(overlap);
            if kept.len() > 2 * top {
                kept.select_nth_unstable_by(top, strongest);
                kept.truncate(top);
            }
        },
    );
    kept.sort_unstable_by(strongest);
    kept.truncate(top);
    (kept, count)
}

/// Milliseconds as a graph weight.
#[expect(
    clippy::cast_precision_loss,
    reason = "overlaps below 2^53 ms (285,000 years) convert exactly"
)]
fn u64_to_f64(ms: u64) -> f64 {
    ms as f64
}

/// Who plays with whom.
pub(super) fn community(request: &Request, names: &Names, history: &mut GuildHistory) -> Rendered {
    let mut edges = Vec::new();
    let (pairs, links) = strongest_pairs(request, names, history, DRAWN_EDGES, |overlap| {
        edges.push((
            overlap.pair.low(),
            overlap.pair.high(),
            u64_to_f64(overlap.overlap_ms),
        ));
    });
    if pairs.is_empty() {
        return Ok(Drawing::Empty(format!(
            "No two members were in a voice channel together ({}), so there is no community \
             to draw yet.",
            request.period_label
        )));
    }
    let graph = CoplayGraph::from_edges(edges);
    let drawn = drawn_edges(graph.node_count());
    // Three independent readings of the same graph: on a large server each takes a tenth of a
    // second or more, so they run side by side.
    let (communities, places, positions) = std::thread::scope(|scope| {
        let communities = scope.spawn(|| detect_communities(&graph, SEED));
        let places = scope.spawn(|| centre_and_edge(&graph, MEANINGFUL_MS, CENTRE_AND_EDGE));
        let positions = force_layout(
            &graph,
            &LayoutOptions {
                seed: SEED,
                ..LayoutOptions::default()
            },
        );
        (joined(communities), joined(places), positions)
    });
    let voice_ms = history.voice_ms(request.since_ms(), request.now.timestamp_millis());
    let users = graph.users();
    let mut by_time: Vec<usize> = (0..users.len()).collect();
    by_time.sort_by_key(|&node| (std::cmp::Reverse(voice_ms.get(&users[node])), users[node]));
    let mut labelled = vec![false; users.len()];
    for &node in by_time.iter().take(LABELLED) {
        labelled[node] = true;
    }
    let nodes: Vec<GraphNode> = users
        .iter()
        .enumerate()
        .map(|(node, &user)| GraphNode {
            label: names.label(UserId(user)).to_owned(),
            voice_hours: hours(voice_ms.get(&user).copied().unwrap_or_default()),
            community: communities.membership()[node] as usize,
            x: positions[node][0],
            y: positions[node][1],
            show_label: labelled[node],
        })
        .collect();
    let edges: Vec<GraphEdge> = pairs
        .iter()
        .take(drawn)
        .filter_map(|p| {
            Some(GraphEdge {
                a: graph.node_of(p.pair.low())? as usize,
                b: graph.node_of(p.pair.high())? as usize,
                seconds: p.overlap_ms / 1_000,
            })
        })
        .collect();
    let legend = legend(&communities, users, &voice_ms, names);
    let text = describe(&graph, &communities, &places, names, (drawn, links));
    let title = format!("Who plays with whom — {}", request.period_label);
    let png = charts::community_graph(&CommunityGraph {
        title: title.clone(),
        nodes,
        edges,
        communities: legend,
    })?;
    Ok(Drawing::picture(png, "community.png", title, text))
}

/// What a helper thread returned; its panic goes on in the caller, as if it had run there.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The communities' legend: each group's members, most time in voice first.
fn legend(
    communities: &Communities,
    users: &[u64],
    voice_ms: &HashMap<u64, i64>,
    names: &Names,
) -> Vec<Community> {
    communities
        .members()
        .into_iter()
        .enumerate()
        .map(|(index, mut members)| {
            members.sort_by_key(|&node| {
                let user = users[node as usize];
                (std::cmp::Reverse(voice_ms.get(&user).copied()), user)
            });
            Community {
                name: format!("Group {}", index + 1),
                members: members
                    .iter()
                    .map(|&node| names.label(UserId(users[node as usize])).to_owned())
                    .collect(),
            }
        })
        .collect()
}

/// The graph in words: its size, who sits at the centre and who at the edge.
fn describe(
    graph: &CoplayGraph,
    communities: &Communities,
    places: &CentreAndEdge,
    names: &Names,
    (drawn, links): (usize, usize),
) -> String {
    let who =
        |members: &[MemberCentrality]| list(members.iter().map(|m| names.label(UserId(m.user))));
    let mut text = format!(
        "{} members who spent time in voice together, in {} {}.",
        graph.node_count(),
        communities.count(),
        if communities.count() == 1 {
            "group"
        } else {
            "groups"
        }
    );
    if !places.centre.is_empty() {
        let _ = write!(
            text,
            "\n**At the centre:** {} — they play the most with the members who play the most.",
            who(&places.centre)
        );
    }
    if !places.edge.is_empty() {
        let _ = write!(
            text,
            "\n**At the edge:** {} — they play with few members, or rarely.",
            who(&places.edge)
        );
    }
    if links > drawn {
        let _ = write!(
            text,
            "\nThe {drawn} strongest of {links} links are drawn; all of them shape the groups."
        );
    }
    text
}

/// The pairs with the most time together.
pub(super) fn duo(request: &Request, names: &Names, history: &mut GuildHistory) -> Rendered {
    let (pairs, _) = strongest_pairs(request, names, history, DUOS, |_| {});
    if pairs.is_empty() {
        return Ok(Drawing::Empty(format!(
            "No two members were in a voice channel together ({}).",
            request.period_label
        )));
    }
    let bars: Vec<LabelledHours> = pairs
        .iter()
        .take(DUOS)
        .map(|p| LabelledHours {
            label: format!(
                "{} & {}",
                names.label(UserId(p.pair.low())),
                names.label(UserId(p.pair.high()))
            ),
            hours: hours(i64::try_from(p.overlap_ms).unwrap_or(i64::MAX)),
        })
        .collect();
    let text = ranking(&bars);
    let title = format!("Duos: time together in voice — {}", request.period_label);
    let png = charts::horizontal_bars(&HorizontalBars {
        title: title.clone(),
        subtitle: format!(
            "the {} pairs with the most time in the same channel",
            bars.len()
        ),
        axis_label: "hours together".to_owned(),
        bars,
    })?;
    Ok(Drawing::picture(png, "duo.png", title, text))
}
