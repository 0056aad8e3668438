//! The co-play community graph: members as circles (size: hours in voice, colour: community),
//! lines between members who played together (width: time together), and a legend naming
//! each community's members.

use plotters::prelude::*;

use super::canvas::{self, render_layered, Area, HEADER, NORMAL, PAD, SMALL};
use super::numbers::{px, to_f64, u64_to_f64, upx};
use super::raster::RgbCanvas;
use super::{ensure_finite, font, palette, text, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 900;
/// Width of the legend column on the right, in pixels.
const LEGEND_WIDTH: u32 = 300;
/// Size of member labels on the graph.
const LABEL_SIZE: f64 = 13.0;
/// Height of one community in the legend: its name and two lines of members.
const LEGEND_ENTRY: i32 = 72;

/// A member on the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// Display name, drawn next to the circle when `show_label` is set.
    pub label: String,
    /// Hours in voice over the period; sets the circle's area.
    pub voice_hours: f64,
    /// Index into [`CommunityGraph::communities`]; sets the colour (grey beyond the palette).
    pub community: usize,
    /// Layout position, any range: the chart scales it to fit, keeping proportions.
    pub x: f64,
    /// Layout position, any range.
    pub y: f64,
    /// Whether to write the name (labels that would overlap one already placed are skipped).
    pub show_label: bool,
}

/// Two members who played together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphEdge {
    /// Index of one member in [`CommunityGraph::nodes`].
    pub a: usize,
    /// Index of the other member.
    pub b: usize,
    /// Seconds spent together; sets the line's width and opacity, relative to the strongest.
    pub seconds: u64,
}

/// A community in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    /// Its name: "Community 1", or the name of its most active member's group.
    pub name: String,
    /// Display names of its members, most active first; the legend names as many as fit and
    /// counts the rest ("+12 more").
    pub members: Vec<String>,
}

/// The community graph.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityGraph {
    /// The title, naming the period: "Who plays with whom — last 90 days".
    pub title: String,
    /// The members.
    pub nodes: Vec<GraphNode>,
    /// The lines to draw; callers pass only the strongest (a few thousand at most).
    pub edges: Vec<GraphEdge>,
    /// Communities in colour order: community `i` gets the palette's `i`-th colour.
    pub communities: Vec<Community>,
}

/// Draws the graph: lines under circles, larger circles under smaller ones, labels that do not
/// collide, and the communities' legend on the right.
///
/// # Errors
///
/// [`ChartError::NoData`] without nodes; [`ChartError::InvalidInput`] for an edge to a node
/// that does not exist or a position or hour count that is not a finite number.
pub fn community_graph(graph: &CommunityGraph) -> Result<Vec<u8>, ChartError> {
    if graph.nodes.is_empty() {
        return Err(ChartError::NoData("no members in the graph"));
    }
    ensure_finite(
        "node positions and hours",
        graph.nodes.iter().flat_map(|n| [n.x, n.y, n.voice_hours]),
    )?;
    if let Some(edge) = graph
        .edges
        .iter()
        .find(|e| e.a >= graph.nodes.len() || e.b >= graph.nodes.len())
    {
        return Err(ChartError::InvalidInput(format!(
            "edge {}–{} refers to a node that does not exist ({} nodes)",
            edge.a,
            edge.b,
            graph.nodes.len()
        )));
    }

    // The plot's place on the picture is fixed by the frame: header on top, legend on the
    // right. Edges are drawn straight into the pixels (thousands of translucent lines are too
    // slow through plotters), so node positions are needed before plotters starts.
    let plot_w = WIDTH - 2 * PAD.unsigned_abs() - LEGEND_WIDTH;
    let plot_h = HEIGHT - HEADER.unsigned_abs() - PAD.unsigned_abs();
    let placed = Placement::new((plot_w, plot_h), &graph.nodes);

    render_layered(
        WIDTH,
        HEIGHT,
        |pixels| draw_edges(pixels, graph, &placed, (PAD, HEADER)),
        |root| {
            let body = canvas::header(
                root,
                &graph.title,
                "Circle size: hours in voice · line width: time spent together · colour: community",
            )?;
            let (body_w, _) = body.dim_in_pixel();
            let (plot, legend) = body.split_horizontally(body_w - LEGEND_WIDTH);
            debug_assert_eq!(plot.dim_in_pixel(), (plot_w, plot_h));
            draw_nodes(&plot, graph, &placed)?;
            draw_labels(&plot, graph, &placed)?;
            draw_legend(&legend.margin(0, 0, 24, 0), &graph.communities)
        },
    )
}

/// Where each node lands on the picture and how big it is.
struct Placement {
    centres: Vec<(i32, i32)>,
    radii: Vec<u32>,
}

impl Placement {
    fn new((w, h): (u32, u32), nodes: &[GraphNode]) -> Self {
        // Circles shrink as the graph grows so that thousands of members stay readable.
        let r_max = (18.0 * (100.0 / to_f64(nodes.len()).max(100.0)).powf(0.25)).clamp(7.0, 18.0);
        let r_min = 2.5;
        let max_hours = nodes.iter().map(|n| n.voice_hours).fold(0.0_f64, f64::max);
        let radii = nodes
            .iter()
            .map(|n| {
                let share = if max_hours > 0.0 {
                    (n.voice_hours.max(0.0) / max_hours).sqrt()
                } else {
                    0.0
                };
                upx(r_min + (r_max - r_min) * share)
            })
            .collect();

        let (min_x, max_x) = bounds(nodes.iter().map(|n| n.x));
        let (min_y, max_y) = bounds(nodes.iter().map(|n| n.y));
        let inset = r_max + 6.0;
        let room_w = (f64::from(w) - 2.0 * inset).max(1.0);
        let room_h = (f64::from(h) - 2.0 * inset).max(1.0);
        let span_x = max_x - min_x;
        let span_y = max_y - min_y;
        // One scale for both axes keeps the layout's proportions.
        let scale = match (span_x > 0.0, span_y > 0.0) {
            (true, true) => (room_w / span_x).min(room_h / span_y),
            (true, false) => room_w / span_x,
            (false, true) => room_h / span_y,
            (false, false) => 0.0,
        };
        let offset_x = inset + (room_w - span_x * scale) / 2.0;
        let offset_y = inset + (room_h - span_y * scale) / 2.0;
        let centres = nodes
            .iter()
            .map(|n| {
                (
                    px(offset_x + (n.x - min_x) * scale),
                    px(offset_y + (n.y - min_y) * scale),
                )
            })
            .collect();
        Self { centres, radii }
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

fn node_colour(node: &GraphNode) -> RGBColor {
    palette::series(node.community)
}

fn draw_edges(
    pixels: &mut RgbCanvas<'_>,
    graph: &CommunityGraph,
    placed: &Placement,
    origin: (i32, i32),
) {
    let strongest = graph.edges.iter().map(|e| e.seconds).max().unwrap_or(0);
    if strongest == 0 {
        return;
    }
    let strongest = u64_to_f64(strongest);
    // Weakest first, so the strong ties are drawn on top.
    let mut order: Vec<&GraphEdge> = graph.edges.iter().filter(|e| e.a != e.b).collect();
    order.sort_by_key(|e| e.seconds);
    let on_picture = |(x, y): (i32, i32)| (x + origin.0, y + origin.1);
    for edge in order {
        let share = u64_to_f64(edge.seconds) / strongest;
        let (a, b) = (&graph.nodes[edge.a], &graph.nodes[edge.b]);
        // Lines inside a community take its colour; lines between communities are grey and
        // fainter, so the communities stand out.
        let (colour, alpha) = if a.community == b.community {
            (node_colour(a), 0.16 + 0.44 * share)
        } else {
            (palette::OTHER, 0.08 + 0.30 * share)
        };
        pixels.line(
            on_picture(placed.centres[edge.a]),
            on_picture(placed.centres[edge.b]),
            0.8 + 5.2 * share,
            colour,
            alpha,
        );
    }
}

fn draw_nodes(
    area: &Area<'_>,
    graph: &CommunityGraph,
    placed: &Placement,
) -> Result<(), ChartError> {
    // Large circles first so small ones on top of them stay visible.
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(placed.radii[i]));
    for i in order {
        let centre = placed.centres[i];
        let r = placed.radii[i];
        area.draw(&Circle::new(
            centre,
            r,
            node_colour(&graph.nodes[i]).filled(),
        ))?;
        // A thin ring in the background colour separates touching circles.
        area.draw(&Circle::new(centre, r, palette::BACKGROUND.stroke_width(1)))?;
    }
    Ok(())
}

/// A label's box on the picture: left, top, right, bottom.
type LabelBox = (i32, i32, i32, i32);

fn overlaps(a: LabelBox, b: LabelBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn draw_labels(
    area: &Area<'_>,
    graph: &CommunityGraph,
    placed: &Placement,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let bounds: LabelBox = (0, 0, px(f64::from(w)), px(f64::from(h)));
    let label_font = font::font(LABEL_SIZE);
    let style = font::text(LABEL_SIZE, palette::TEXT);
    let backing = palette::BACKGROUND.mix(0.75).filled();
    // The busiest members get their labels first.
    let mut wanted: Vec<usize> = (0..graph.nodes.len())
        .filter(|&i| graph.nodes[i].show_label)
        .collect();
    wanted.sort_by(|&a, &b| {
        graph.nodes[b]
            .voice_hours
            .total_cmp(&graph.nodes[a].voice_hours)
    });
    let mut taken: Vec<LabelBox> = Vec::with_capacity(wanted.len());
    for i in wanted {
        let label = text::fit(&graph.nodes[i].label, &label_font, 160);
        let (tw, th) = label_font.box_size(&label).unwrap_or((0, 0));
        let (tw, th) = (px(f64::from(tw)) + 6, px(f64::from(th)) + 4);
        let (cx, cy) = placed.centres[i];
        let r = px(f64::from(placed.radii[i]));
        // Right of the circle, then left, above, below: the first spot that is free.
        let candidates = [
            (cx + r + 3, cy - th / 2),
            (cx - r - 3 - tw, cy - th / 2),
            (cx - tw / 2, cy - r - 2 - th),
            (cx - tw / 2, cy + r + 2),
        ];
        let spot = candidates
            .into_iter()
            .map(|(x, y)| (x, y, x + tw, y + th))
            .find(|b| {
                b.0 >= bounds.0
                    && b.1 >= bounds.1
                    && b.2 <= bounds.2
                    && b.3 <= bounds.3
                    && !taken.iter().any(|t| overlaps(*t, *b))
            });
        if let Some(b) = spot {
            area.draw(&Rectangle::new([(b.0, b.1), (b.2, b.3)], backing))?;
            area.draw_text(&label, &style, (b.0 + 3, b.1 + 3))?;
            taken.push(b);
        }
    }
    Ok(())
}

fn draw_legend(area: &Area<'_>, communities: &[Community]) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let room = w.saturating_sub(30);
    area.draw_text(
        "Communities",
        &font::text(NORMAL + 1.0, palette::TEXT),
        (0, 4),
    )?;
    let name_font = font::font(NORMAL - 2.0);
    let name_style = font::text(NORMAL - 2.0, palette::TEXT);
    let member_font = font::font(SMALL - 2.0);
    let member_style = font::text(SMALL - 2.0, palette::MUTED);
    let mut y = 40;
    let bottom = px(f64::from(h));
    let coloured = communities.len().min(palette::SERIES.len());
    // Keep one entry's room for the grey "other communities" line when there is one.
    let others = communities.len() - coloured;
    let fits = usize::try_from((bottom - y) / LEGEND_ENTRY).unwrap_or(0);
    let shown = coloured.min(if others > 0 {
        fits.saturating_sub(1)
    } else {
        fits
    });

    let entry =
        |y: i32, colour: RGBColor, name: &str, members: &[String]| -> Result<(), ChartError> {
            area.draw(&Rectangle::new([(0, y + 1), (16, y + 17)], colour.filled()))?;
            area.draw_text(&text::fit(name, &name_font, room), &name_style, (26, y))?;
            for (line, member_text) in member_lines(members, &member_font, room, 2)
                .iter()
                .enumerate()
            {
                let dy = 24 + 19 * i32::try_from(line).unwrap_or(0);
                area.draw_text(member_text, &member_style, (26, y + dy))?;
            }
            Ok(())
        };
    for (i, community) in communities.iter().take(shown).enumerate() {
        entry(y, palette::series(i), &community.name, &community.members)?;
        y += LEGEND_ENTRY;
    }
    let rest = &communities[shown..];
    if !rest.is_empty() {
        let members: Vec<String> = rest
            .iter()
            .flat_map(|c| c.members.iter().cloned())
            .collect();
        let name = format!("{} smaller communities", rest.len());
        entry(y, palette::OTHER, &name, &members)?;
    }
    Ok(())
}

/// Members' names over at most `lines` lines of `max_px`, the last ending in "+N more".
fn member_lines(names: &[String], font: &FontDesc<'_>, max_px: u32, lines: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(lines);
    let mut rest = names;
    while !rest.is_empty() && out.len() + 1 < lines {
        // Fill this line with whole names, no "+N more" yet.
        let mut line = String::new();
        let mut used = 0;
        for name in rest {
            let candidate = if line.is_empty() {
                name.clone()
            } else {
                format!("{line}, {name}")
            };
            if text::width(font, &format!("{candidate},")) > max_px {
                break;
            }
            line = candidate;
            used += 1;
        }
        if used == 0 || used == rest.len() {
            break;
        }
        out.push(format!("{line},"));
        rest = &rest[used..];
    }
    if !rest.is_empty() {
        out.push(text::names_with_more(rest, font, max_px));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{decode, distinct_colours_in};

    fn node(label: &str, hours: f64, community: usize, x: f64, y: f64) -> GraphNode {
        GraphNode {
            label: label.to_owned(),
            voice_hours: hours,
            community,
            x,
            y,
            show_label: true,
        }
    }

    fn two_squads() -> CommunityGraph {
        CommunityGraph {
            title: "Who plays with whom — last 90 days".to_owned(),
            nodes: vec![
                node("Ada", 40.0, 0, 0.0, 0.0),
                node("Bob", 30.0, 0, 1.0, 0.2),
                node("Cyra", 25.0, 1, 5.0, 4.0),
                node("Dex", 10.0, 1, 6.0, 5.0),
            ],
            edges: vec![
                GraphEdge {
                    a: 0,
                    b: 1,
                    seconds: 36_000,
                },
                GraphEdge {
                    a: 2,
                    b: 3,
                    seconds: 7_200,
                },
                GraphEdge {
                    a: 1,
                    b: 2,
                    seconds: 600,
                },
            ],
            communities: vec![
                Community {
                    name: "Community 1".to_owned(),
                    members: vec!["Ada".to_owned(), "Bob".to_owned()],
                },
                Community {
                    name: "Community 2".to_owned(),
                    members: vec!["Cyra".to_owned(), "Dex".to_owned()],
                },
            ],
        }
    }

    #[test]
    fn two_communities_show_two_colours_on_a_png_of_the_declared_size() {
        let png = community_graph(&two_squads()).expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert_eq!(distinct_colours_in(&picture, &palette::SERIES), 2);
    }

    #[test]
    fn nodes_fill_the_plot_whatever_the_layout_range() {
        let mut graph = two_squads();
        for n in &mut graph.nodes {
            n.x *= 1e-6;
            n.y *= 1e-6;
        }
        let picture = decode(&community_graph(&graph).expect("renders"));
        // Ada sits near the top-left corner of the plot and Dex near the bottom-right.
        assert!(picture.drawn_in((28, 118), (300, 400)) > 200);
        assert!(picture.drawn_in((500, 600), (872, 872)) > 200);
    }

    #[test]
    fn an_edge_to_a_missing_node_is_refused() {
        let mut graph = two_squads();
        graph.edges.push(GraphEdge {
            a: 0,
            b: 9,
            seconds: 1,
        });
        assert!(matches!(
            community_graph(&graph),
            Err(ChartError::InvalidInput(_))
        ));
    }

    #[test]
    fn an_empty_graph_is_no_data() {
        let mut graph = two_squads();
        graph.nodes.clear();
        graph.edges.clear();
        assert!(matches!(
            community_graph(&graph),
            Err(ChartError::NoData(_))
        ));
    }

    #[test]
    fn a_single_member_is_drawn_in_the_middle() {
        let mut graph = two_squads();
        graph.nodes.truncate(1);
        graph.edges.clear();
        let picture = decode(&community_graph(&graph).expect("renders"));
        assert!(picture.count_colour(palette::SERIES[0]) > 100);
    }

    #[test]
    fn legend_members_end_with_how_many_more() {
        font::ensure_registered().expect("font");
        let names: Vec<String> = (0..40).map(|i| format!("Player{i}")).collect();
        let lines = member_lines(&names, &font::font(13.0), 260, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with(','), "{lines:?}");
        assert!(lines[1].ends_with("more"), "{lines:?}");
    }

    #[test]
    fn colliding_labels_are_skipped() {
        assert!(overlaps((0, 0, 10, 10), (5, 5, 15, 15)));
        assert!(!overlaps((0, 0, 10, 10), (10, 0, 20, 10)));
    }
}
