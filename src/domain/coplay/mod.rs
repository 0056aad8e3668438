//! The co-play community graph, as pure analytics: who played with whom, and the picture made
//! of it.
//!
//! - [`overlap`]: from voice stays to time together per pair ([`pair_overlaps`] for a whole
//!   history); [`pair_table`] keeps the same sums per local day, stay by stay, for the charts.
//! - [`UserPair`] and [`PairOverlap`]: the pair key and its time.
//! - [`CoplayGraph`]: the weighted graph of pairs, nodes numbered by user id.
//! - [`detect_communities`] and [`modularity`]: who mostly plays with whom (Leiden), scored
//!   exactly as networkx scores a partition.
//! - [`force_layout`]: where each member sits on the picture, in [0, 1]².
//! - [`centre_and_edge`]: who sits at the centre of the community and who is at its edge.
//!
//! Nothing here reads a database, a clock or Discord; the store feeds stays in and the charts
//! draw what comes out.

pub mod centrality;
pub mod community;
pub mod graph;
mod ids;
pub mod layout;
pub mod modularity;
pub mod overlap;
pub mod pair;
pub mod pair_table;
mod seed;

pub use centrality::{centre_and_edge, eigenvector_centrality, CentreAndEdge, MemberCentrality};
pub use community::{detect_communities, Communities};
pub use graph::CoplayGraph;
pub use layout::{force_layout, LayoutOptions};
pub use modularity::modularity;
pub use overlap::{pair_overlaps, VoiceStay};
pub use pair::{PairOverlap, UserPair};
pub use pair_table::{ChannelStays, PairTable};
