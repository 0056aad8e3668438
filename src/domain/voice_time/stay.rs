//! One member's time in voice, the input every voice chart starts from.

/// One member in voice from `start_ms` to `end_ms` (unix milliseconds, end exclusive).
///
/// The caller has already clamped the stay to the report's period and left out the AFK channel.
/// A stay that ends at or before its start counts for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VoiceStay {
    /// Who.
    pub user: u64,
    /// Joined at (unix ms).
    pub start_ms: i64,
    /// Left at (unix ms).
    pub end_ms: i64,
}

impl VoiceStay {
    /// How long the stay lasted, zero for an empty or inverted one.
    #[must_use]
    pub fn duration_ms(&self) -> i64 {
        (self.end_ms - self.start_ms).max(0)
    }
}
