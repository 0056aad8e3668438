//! Time in voice per member: the "who is in voice most" bar chart.
//!
use super::hour_table::HourView;
use super::members::{top_rows, MemberIndex};
use super::ms_to_hours;

/// How many members the chart shows.
pub const CHART_MEMBERS: usize = 30;

/// One member's time in voice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberVoice {
    /// Who.
    pub user: u64,
    /// Time in voice (ms).
    pub ms: i64,
}

impl MemberVoice {
    /// Time in voice in hours.
    #[must_use]
    pub fn hours(&self) -> f64 {
        ms_to_hours(self.ms)
    }
}

/// Every member's total time in voice in `view`, the `top` largest, largest first, ties by
/// member id.
#[must_use]
pub fn voice_per_member(view: &HourView<'_>, top: usize) -> Vec<MemberVoice> {
    let mut members = MemberIndex::default();
    let mut totals: Vec<i64> = Vec::with_capacity(view.members.len());
    for member in &view.members {
        members.row(member.user);
        totals.push(member.total_ms());
    }
    top_rows(&members, &totals, top)
        .into_iter()
        .map(|row| MemberVoice {
            user: members.id(row),
            ms: totals[row],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::super::hour_table::HourTable;
    use super::super::VoiceStay;
    use super::*;

    fn voice_per_member(stays: &[VoiceStay], top: usize) -> Vec<MemberVoice> {
        super::voice_per_member(&HourTable::from_stays(stays, Tz::UTC).everything(), top)
    }

    const ADA: u64 = 1;
    const BOB: u64 = 2;
    const CY: u64 = 3;

    fn stay(user: u64, start_min: i64, end_min: i64) -> VoiceStay {
        VoiceStay {
            channel: 0,
            user,
            start_ms: start_min * 60_000,
            end_ms: end_min * 60_000,
        }
    }

    #[test]
    fn bob_with_two_evenings_outranks_ada_with_one_long_one() {
        let stays = [
            stay(ADA, 0, 90),
            stay(BOB, 10, 70),
            stay(CY, 0, 30),
            stay(BOB, 1000, 1060),
        ];
        let ranked = voice_per_member(&stays, 2);
        assert_eq!(
            ranked,
            [
                MemberVoice {
                    user: BOB,
                    ms: 120 * 60_000
                },
                MemberVoice {
                    user: ADA,
                    ms: 90 * 60_000
                },
            ]
        );
        assert!((ranked[0].hours() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn equal_totals_rank_by_member_id() {
        let stays = [stay(CY, 0, 60), stay(ADA, 0, 60), stay(BOB, 0, 60)];
        let users: Vec<u64> = voice_per_member(&stays, 10)
            .iter()
            .map(|m| m.user)
            .collect();
        assert_eq!(users, [ADA, BOB, CY]);
    }
}
