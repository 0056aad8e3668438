//! Outgoing webhooks, the rules without I/O: which events a hook can follow, which destinations
//! it may point at, the envelope every delivery carries, its signature, and how long to wait
//! after a failure.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::{Host, Url};

/// The envelope's `version` field: receivers check it before reading `data`.
pub const ENVELOPE_VERSION: u32 = 1;

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Trakker-Signature";

/// The header carrying the event's key, so a receiver can route before parsing.
pub const EVENT_HEADER: &str = "X-Trakker-Event";

/// The header carrying the delivery's id, equal to the body's `id`.
pub const DELIVERY_HEADER: &str = "X-Trakker-Delivery";

/// How long a hook may fail without a success before it is paused.
pub const PAUSE_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// How many hooks a server may register.
pub const HOOK_LIMIT: u32 = 10;

/// The longest URL accepted.
pub const URL_LIMIT: usize = 2_000;

/// Something that happened that a hook can follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A /track recorded kills or a team kill.
    KillTracked,
    /// An /untrack took an entry back; hooks following kills receive it too.
    KillUndone,
    /// A game session ended (its summary was posted).
    SessionEnded,
    /// A member unlocked an achievement.
    AchievementUnlocked,
    /// A tournament match result was settled.
    TournamentResult,
    /// The daily who-plays-when post was made.
    SchedulePosted,
    /// A test delivery asked for with /webhooks test.
    Ping,
}

impl Event {
    /// Every event a hook can choose to follow (the test ping goes to one hook on request).
    pub const FOLLOWABLE: [Self; 5] = [
        Self::KillTracked,
        Self::SessionEnded,
        Self::AchievementUnlocked,
        Self::TournamentResult,
        Self::SchedulePosted,
    ];

    /// The event's key, in the envelope and the event header.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::KillTracked => "kill.tracked",
            Self::KillUndone => "kill.undone",
            Self::SessionEnded => "session.ended",
            Self::AchievementUnlocked => "achievement.unlocked",
            Self::TournamentResult => "tournament.result",
            Self::SchedulePosted => "schedule.posted",
            Self::Ping => "ping",
        }
    }

    /// The event with this key.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        Self::FOLLOWABLE
            .into_iter()
            .chain([Self::KillUndone, Self::Ping])
            .find(|event| event.key() == key)
    }

    /// The event's bit in a hook's stored set of events.
    #[must_use]
    pub const fn bit(self) -> i64 {
        match self {
            Self::KillTracked | Self::KillUndone => 1,
            Self::SessionEnded => 2,
            Self::AchievementUnlocked => 4,
            Self::TournamentResult => 8,
            Self::SchedulePosted => 16,
            Self::Ping => 0,
        }
    }
}

/// The set of events a hook follows, stored as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Events(i64);

impl Events {
    /// Every followable event.
    #[must_use]
    pub fn all() -> Self {
        Self(Event::FOLLOWABLE.iter().map(|event| event.bit()).sum())
    }

    /// One event only.
    #[must_use]
    pub const fn only(event: Event) -> Self {
        Self(event.bit())
    }

    /// The stored bits.
    #[must_use]
    pub const fn bits(self) -> i64 {
        self.0
    }

    /// The set stored as `bits`; unknown bits are dropped.
    #[must_use]
    pub fn from_bits(bits: i64) -> Self {
        Self(bits & Self::all().0)
    }

    /// Whether the set holds `event`.
    #[must_use]
    pub const fn contains(self, event: Event) -> bool {
        self.0 & event.bit() != 0
    }

    /// The keys of the events in the set, for lists.
    #[must_use]
    pub fn keys(self) -> Vec<&'static str> {
        Event::FOLLOWABLE
            .into_iter()
            .filter(|event| self.contains(*event))
            .map(Event::key)
            .collect()
    }
}

/// Why a destination URL is refused; each reads as the sentence a manager sees.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not a URL at all.
    #[error("that is not a URL; give one like https://example.com/hooks/trakker")]
    NotAUrl,
    /// Longer than [`URL_LIMIT`].
    #[error("that URL is longer than {URL_LIMIT} characters")]
    TooLong,
    /// Not http or https.
    #[error("only http:// and https:// URLs can receive webhooks")]
    Scheme,
    /// A user name or password in the URL.
    #[error("leave the user name and password out of the URL; the signature proves it is us")]
    Credentials,
    /// No host to send to.
    #[error("that URL names no host")]
    NoHost,
    /// An address in a private, loopback, link-local or otherwise internal range.
    #[error("{0} is a private or internal address; webhooks go to public hosts only")]
    Private(IpAddr),
    /// The host name resolves to no address.
    #[error("{0} does not resolve to any address")]
    Unresolved(String),
}

/// A checked destination: http(s), no credentials, and not a literal internal address outside
/// the networks the operator allowed. Host names are checked again when each delivery
/// connects, against every address they resolve to, so a name cannot be pointed inside later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination(Url);

impl Destination {
    /// Checks `raw` as a hook's URL.
    ///
    /// # Errors
    /// A [`DestinationError`] saying what is wrong.
    pub fn parse(raw: &str, allowed: &Networks) -> Result<Self, DestinationError> {
        let raw = raw.trim();
        if raw.chars().count() > URL_LIMIT {
            return Err(DestinationError::TooLong);
        }
        let url = Url::parse(raw).map_err(|_| DestinationError::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(DestinationError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DestinationError::Credentials);
        }
        let literal = match url.host() {
            None => return Err(DestinationError::NoHost),
            Some(Host::Domain(name)) => {
                // "localhost" never leaves the machine, whatever a resolver says.
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                (name == "localhost" || name.ends_with(".localhost"))
                    .then_some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
            Some(Host::Ipv4(address)) => Some(IpAddr::V4(address)),
            Some(Host::Ipv6(address)) => Some(IpAddr::V6(address)),
        };
        if let Some(address) = literal {
            check_address(address, allowed)?;
        }
        Ok(Self(url))
    }

    /// The URL.
    #[must_use]
    pub const fn url(&self) -> &Url {
        &self.0
    }

    /// The URL as stored and shown.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Internal networks the operator allows hooks to reach anyway (`WEBHOOKS_ALLOW_NETWORKS`, a
/// comma-separated list of addresses and CIDR blocks such as `127.0.0.1,10.1.0.0/16`): a
/// receiver on the bot's own host or network. Empty by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Networks(Vec<(IpAddr, u8)>);

impl Networks {
    /// Parses a comma-separated list of addresses and `address/prefix` blocks.
    ///
    /// # Errors
    /// The entry that is not an address or a block, described.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in raw
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let (address, prefix) = entry.split_once('/').unwrap_or((entry, ""));
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or CIDR block"))?;
            let longest = if address.is_ipv4() { 32 } else { 128 };
            let prefix = if prefix.is_empty() {
                longest
            } else {
                prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|bits| *bits <= longest)
                    .ok_or_else(|| format!("{entry:?} has a prefix outside 0..={longest}"))?
            };
            // Addresses are compared as IPv4 when they are IPv4 mapped into IPv6: so are blocks.
            let network = match address {
                IpAddr::V6(v6) if prefix >= 96 => v6
                    .to_ipv4_mapped()
                    .map_or((address, prefix), |v4| (IpAddr::V4(v4), prefix - 96)),
                _ => (address, prefix),
            };
            networks.push(network);
        }
        Ok(Self(networks))
    }

    /// Whether `address` falls in one of the networks.
    #[must_use]
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            IpAddr::V4(_) => address,
        };
        self.0
            .iter()
            .any(|&(network, prefix)| match (network, address) {
                (IpAddr::V4(network), IpAddr::V4(address)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                    u32::from(network) & mask == u32::from(address) & mask
                }
                (IpAddr::V6(network), IpAddr::V6(address)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                    u128::from(network) & mask == u128::from(address) & mask
                }
                _ => false,
            })
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Networks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: Vec<String> = self
            .0
            .iter()
            .map(|(address, prefix)| format!("{address}/{prefix}"))
            .collect();
        f.write_str(&entries.join(","))
    }
}

/// Refuses `address` when it is internal and not in a network the operator allowed.
///
/// # Errors
/// [`DestinationError::Private`].
pub fn check_address(address: IpAddr, allowed: &Networks) -> Result<(), DestinationError> {
    if is_public(address) || allowed.contains(address) {
        Ok(())
    } else {
        Err(DestinationError::Private(address))
    }
}

/// Whether `address` is reachable on the public internet: not loopback, private (RFC 1918,
/// unique local), link-local, shared (CGNAT), unspecified, broadcast, multicast, documentation
/// or benchmarking ranges, and not an IPv4 address mapped or translated into IPv6.
#[must_use]
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let [first, second, ..] = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated, still routed inside)
                || first == 0x2001 && second == 0x0db8 // documentation
                || first == 0x2001 && second == 0x0000 // Teredo: tunnels to an IPv4 address
                || first == 0x2002 // 6to4: embeds an IPv4 address
                || first == 0x0064 && second == 0xff9b // NAT64
                || v6.segments()[..6] == [0; 6]) // IPv4-compatible (::a.b.c.d)
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))) // benchmarking
}

/// The JSON body of one delivery. `id` is the event's id: the same event retried, or delivered
/// to several hooks, carries the same one, so a receiver drops what it has seen.
#[must_use]
pub fn envelope(
    id: &str,
    event: Event,
    guild_id: u64,
    occurred_at: DateTime<Utc>,
    data: &serde_json::Value,
) -> String {
    serde_json::json!({
        "version": ENVELOPE_VERSION,
        "id": id,
        "event": event.key(),
        // Snowflakes as strings, as Discord sends them: JavaScript numbers lose their low bits.
        "guild_id": guild_id.to_string(),
        "occurred_at": occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// The signature header's value for `body` under `secret`: `sha256=` and the lowercase hex
/// HMAC-SHA256 of the exact bytes sent.
///
/// # Panics
/// Never: HMAC takes a key of any length.
#[must_use]
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// `bytes` as lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// The wait after a hook's first failure in a row.
pub const FIRST_RETRY: Duration = Duration::from_millis(500);

/// The longest wait between two tries of a failing hook.
pub const LONGEST_RETRY: Duration = Duration::from_secs(15 * 60);

/// How long to wait before trying a hook again after its `failures`-th failure in a row: `first`
/// doubling up to [`LONGEST_RETRY`], so a receiver down for a moment is tried again at once and
/// one down for a day is tried about a hundred times.
#[must_use]
pub fn backoff(failures: u32, first: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(30);
    first.saturating_mul(1_u32 << doublings).min(LONGEST_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_must_be_public_http_urls() {
        let none = Networks::default();
        assert!(Destination::parse("https://hooks.example.com/trakker", &none).is_ok());
        assert!(Destination::parse("http://93.184.216.34:8080/x", &none).is_ok());
        for (raw, error) in [
            ("ftp://example.com/x", DestinationError::Scheme),
            ("javascript:alert(1)", DestinationError::Scheme),
            ("not a url", DestinationError::NotAUrl),
            (
                "https://user:pw@example.com/",
                DestinationError::Credentials,
            ),
            (
                "http://127.0.0.1:9000/",
                DestinationError::Private("127.0.0.1".parse().expect("ip")),
            ),
            (
                "http://10.0.0.1/",
                DestinationError::Private("10.0.0.1".parse().expect("ip")),
            ),
            (
                "http://[::1]/",
                DestinationError::Private("::1".parse().expect("ip")),
            ),
            (
                "http://[::ffff:192.168.1.1]/",
                DestinationError::Private("::ffff:192.168.1.1".parse().expect("ip")),
            ),
            (
                "http://localhost:3000/",
                DestinationError::Private("127.0.0.1".parse().expect("ip")),
            ),
            (
                "http://169.254.169.254/latest/meta-data",
                DestinationError::Private("169.254.169.254".parse().expect("ip")),
            ),
        ] {
            assert_eq!(Destination::parse(raw, &none), Err(error), "{raw}");
        }
        assert_eq!(
            Destination::parse(&format!("https://e.com/{}", "a".repeat(URL_LIMIT)), &none),
            Err(DestinationError::TooLong)
        );
        let loopback = Networks::parse("127.0.0.1").expect("valid");
        assert!(
            Destination::parse("http://127.0.0.1:9000/", &loopback).is_ok(),
            "the operator allowed the loopback address"
        );
        assert_eq!(
            Destination::parse("http://10.0.0.1/", &loopback),
            Err(DestinationError::Private("10.0.0.1".parse().expect("ip"))),
            "and nothing else"
        );
    }

    #[test]
    fn allowed_networks_are_addresses_and_cidr_blocks() {
        let allowed = Networks::parse("127.0.0.1, 10.1.0.0/16,fd00::/8,::ffff:192.168.0.0/112")
            .expect("valid");
        for inside in [
            "127.0.0.1",
            "10.1.255.3",
            "fd12::1",
            "::ffff:10.1.0.9",
            "192.168.3.4",
        ] {
            assert!(allowed.contains(inside.parse().expect("ip")), "{inside}");
        }
        for outside in ["127.0.0.2", "10.2.0.1", "fe80::1"] {
            assert!(!allowed.contains(outside.parse().expect("ip")), "{outside}");
        }
        assert!(Networks::parse("").expect("empty").is_empty());
        assert!(Networks::parse("0.0.0.0/0")
            .expect("all")
            .contains("10.0.0.1".parse().expect("ip")));
        assert!(Networks::parse("localhost").is_err());
        assert!(Networks::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn public_ranges_are_told_from_internal_ones() {
        for public in ["1.1.1.1", "100.128.0.1", "2606:4700::1111", "198.20.0.1"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        for internal in [
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
            "::a00:1",
            "fec0::1",
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "172.16.0.1",
            "192.168.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "fc00::1",
            "fe80::1",
            "::",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(internal.parse().expect("ip")), "{internal}");
        }
    }

    #[test]
    fn the_signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_envelope_carries_version_id_event_and_data() {
        let at = DateTime::from_timestamp(1_764_000_000, 0).expect("valid");
        let body = envelope(
            "abc",
            Event::KillTracked,
            u64::MAX,
            at,
            &serde_json::json!({"count": 3}),
        );
        let parsed: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(parsed["version"], 1);
        assert_eq!(parsed["id"], "abc");
        assert_eq!(parsed["event"], "kill.tracked");
        assert_eq!(parsed["guild_id"], u64::MAX.to_string());
        assert_eq!(parsed["occurred_at"], "2025-11-24T16:00:00.000Z");
        assert_eq!(parsed["data"]["count"], 3);
    }

    #[test]
    fn events_round_trip_through_keys_and_bits() {
        for event in Event::FOLLOWABLE {
            assert_eq!(Event::from_key(event.key()), Some(event));
            assert!(Events::all().contains(event));
            assert!(Events::only(event).contains(event));
        }
        assert!(!Events::only(Event::KillTracked).contains(Event::SessionEnded));
        assert!(Events::only(Event::KillTracked).contains(Event::KillUndone));
        assert_eq!(Event::from_key("kill.undone"), Some(Event::KillUndone));
        assert_eq!(Events::from_bits(-1), Events::all());
        assert_eq!(Event::from_key("kill"), None);
    }

    #[test]
    fn backoff_doubles_to_fifteen_minutes() {
        assert_eq!(backoff(1, FIRST_RETRY), Duration::from_millis(500));
        assert_eq!(backoff(2, FIRST_RETRY), Duration::from_secs(1));
        assert_eq!(backoff(11, FIRST_RETRY), Duration::from_secs(512));
        assert_eq!(backoff(12, FIRST_RETRY), LONGEST_RETRY);
        assert_eq!(backoff(u32::MAX, FIRST_RETRY), LONGEST_RETRY);
        assert_eq!(
            backoff(1, Duration::from_millis(10)),
            Duration::from_millis(10)
        );
    }
}
