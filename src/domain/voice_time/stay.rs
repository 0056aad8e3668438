//! One member's time in voice, the input every voice chart starts from: the co-play module's
//! [`VoiceStay`], so the store reads stays once for every chart. The voice-time charts ignore
//! its channel.

pub use crate::domain::coplay::VoiceStay;
