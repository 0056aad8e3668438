//! The cache conformance suite: one set of scenarios, run against the in-process cache always
//! and against Redis when one is reachable. The same expectations for both backends are what
//! prove the in-process cache behaves as Redis does (ordering of ties above all).
//!
//! Then the outage stories, on private `redis-server` processes: a Redis that dies, one that
//! stops answering, and one that is not there at start-up. Each call must fail fast, the cache's
//! breaker must note the outage once, and the cache must come back by itself.

use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod support;

use support::cache::{free_port, random_prefix, redis_url, PrivateRedis, SharedRedis};
use trakker::cache::memory::MemoryCache;
use trakker::cache::redis::RedisCache;
use trakker::cache::{Cache, CacheError, CacheKey, Ranked, SealedView};
use trakker::domain::ids::GuildId;

/// Two clients of one cache: for Redis two connections, for memory the same cache twice.
struct Caches {
    one: Arc<dyn Cache>,
    two: Arc<dyn Cache>,
}

/// Writes each scenario's test twice: `memory::<scenario>` and `redis::<scenario>`.
macro_rules! scenarios {
    ($($scenario:ident),+ $(,)?) => {
        mod memory {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    let cache: Arc<dyn Cache> = Arc::new(MemoryCache::new(&random_prefix()));
                    super::$scenario(&Caches { one: cache.clone(), two: cache }).await;
                }
            )+
        }

        mod redis {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    let Some(shared) = SharedRedis::open() else { return };
                    let one = Arc::new(RedisCache::connect(&shared.url, &shared.prefix).await);
                    let two = Arc::new(RedisCache::connect(&shared.url, &shared.prefix).await);
                    super::$scenario(&Caches { one, two }).await;
                    // `shared` deletes the test's keys as it drops, passed or failed.
                }
            )+
        }
    };
}

scenarios!(
    zincr_accumulates_and_returns_the_new_score,
    ranks_and_top_follow_redis_order_for_ties,
    an_empty_or_missing_leaderboard_has_no_ranks,
    zreplace_swaps_the_whole_set,
    zreplace_is_seen_whole_or_not_at_all,
    two_guilds_and_two_prefixes_never_share_a_key,
    a_score_that_is_not_a_number_is_refused_and_changes_nothing,
    a_sealed_set_counts_its_writes_and_refuses_them_once_the_seal_is_gone,
    a_sealed_view_leaves_the_seal_out_and_is_none_without_it,
    a_member_is_removed_from_every_set_of_one_guild_only,
);

fn key(cache: &dyn Cache, guild: u64, name: &str) -> CacheKey {
    cache.guild_key(GuildId(guild), name).expect("a valid key")
}

fn ranked(member: &str, score: f64) -> Ranked {
    Ranked {
        member: member.to_owned(),
        score,
    }
}

fn members(entries: &[Ranked]) -> Vec<&str> {
    entries.iter().map(|entry| entry.member.as_str()).collect()
}

fn is_refusal<T: std::fmt::Debug>(result: &Result<T, CacheError>) -> bool {
    matches!(result, Err(CacheError::Rejected(_)))
}

#[expect(
    clippy::float_cmp,
    reason = "scores must come back exactly: these values are exact in binary and Redis replies round-trip"
)]
async fn zincr_accumulates_and_returns_the_new_score(c: &Caches) {
    let cache = &*c.one;
    let kills = key(cache, 1, "lb:kills:season:3");
    assert_eq!(cache.zincr(&kills, "ada", 1.0).await.expect("zincr"), 1.0);
    assert_eq!(cache.zincr(&kills, "ada", 2.5).await.expect("zincr"), 3.5);
    assert_eq!(cache.zincr(&kills, "bob", -1.0).await.expect("zincr"), -1.0);
    assert_eq!(
        c.two.zincr(&kills, "ada", 0.5).await.expect("zincr"),
        4.0,
        "one store"
    );

    assert_eq!(
        cache.zscore(&kills, "ada").await.expect("zscore"),
        Some(4.0)
    );
    assert_eq!(
        cache.zscore(&kills, "bob").await.expect("zscore"),
        Some(-1.0)
    );
    assert_eq!(cache.zscore(&kills, "cy").await.expect("zscore"), None);
    assert_eq!(
        members(&cache.ztop(&kills, 10).await.expect("ztop")),
        ["ada", "bob"]
    );
}

async fn ranks_and_top_follow_redis_order_for_ties(c: &Caches) {
    let cache = &*c.one;
    let kills = key(cache, 1, "lb:kills");
    // Five members tie on 10. Redis orders ties by member, byte-wise, descending:
    // "émile" (0xC3…) > "eve" > "bob" > "ada" > "Zed" (upper case sorts first) > "10".
    for (member, scores) in [
        ("ada", &[4.0, 6.0][..]),
        ("bob", &[10.0]),
        ("cy", &[7.0]),
        ("dee", &[12.0]),
        ("eve", &[9.5, 0.5]),
        ("Zed", &[10.0]),
        ("10", &[10.0]),
        ("émile", &[10.0]),
        ("last", &[-3.25]),
    ] {
        for &score in scores {
            cache.zincr(&kills, member, score).await.expect("zincr");
        }
    }
    let expected = [
        "dee", "émile", "eve", "bob", "ada", "Zed", "10", "cy", "last",
    ];

    let top = cache.ztop(&kills, 100).await.expect("ztop");
    assert_eq!(members(&top), expected);
    assert_eq!(top[0], ranked("dee", 12.0));
    assert_eq!(top[4], ranked("ada", 10.0));
    assert_eq!(top[8], ranked("last", -3.25));

    for (rank, member) in expected.iter().enumerate() {
        let found = cache.zrank_desc(&kills, member).await.expect("zrank");
        assert_eq!(found, Some(rank as u64), "rank of {member}");
    }
    assert_eq!(
        members(&cache.ztop(&kills, 3).await.expect("ztop")),
        ["dee", "émile", "eve"]
    );
    assert_eq!(cache.ztop(&kills, 0).await.expect("ztop"), []);
    assert_eq!(
        cache.zrank_desc(&kills, "nobody").await.expect("zrank"),
        None
    );
}

async fn an_empty_or_missing_leaderboard_has_no_ranks(c: &Caches) {
    let cache = &*c.one;
    let missing = key(cache, 1, "lb:nothing");
    assert_eq!(cache.ztop(&missing, 10).await.expect("ztop"), []);
    assert_eq!(
        cache.zrank_desc(&missing, "ada").await.expect("zrank"),
        None
    );
    assert_eq!(cache.zscore(&missing, "ada").await.expect("zscore"), None);
}

async fn zreplace_swaps_the_whole_set(c: &Caches) {
    let cache = &*c.one;
    let board = key(cache, 1, "lb:kills");
    cache.zincr(&board, "old-a", 5.0).await.expect("zincr");
    cache.zincr(&board, "old-b", 50.0).await.expect("zincr");

    let rebuilt = [ranked("ada", 3.0), ranked("bob", 9.0), ranked("ada", 4.0)];
    cache.zreplace(&board, &rebuilt).await.expect("zreplace");
    let top = cache.ztop(&board, 10).await.expect("ztop");
    assert_eq!(
        top,
        [ranked("bob", 9.0), ranked("ada", 4.0)],
        "a repeated member keeps its last score"
    );
    assert_eq!(
        cache.zscore(&board, "old-b").await.expect("zscore"),
        None,
        "old members are gone"
    );

    cache
        .zreplace(&board, &[])
        .await
        .expect("zreplace with nothing");
    assert_eq!(
        cache.ztop(&board, 10).await.expect("ztop"),
        [],
        "an empty set is no set"
    );
}

async fn zreplace_is_seen_whole_or_not_at_all(c: &Caches) {
    // Large enough that Redis reads the ZADD in several pieces and serves other clients between
    // them: without MULTI a reader would then see the set deleted or half-filled.
    const SIZE: u32 = 4000;
    let board = key(&*c.one, 1, "lb:rebuilt");
    let build = |tag: &str| -> Vec<Ranked> {
        (0..SIZE)
            .map(|i| ranked(&format!("{tag}{i:04}"), f64::from(i)))
            .collect()
    };
    let (old, new) = (build("old"), build("new"));
    c.one.zreplace(&board, &old).await.expect("zreplace");

    // One client rebuilds the board again and again while another reads it: every read must
    // show one complete version.
    let writer = async {
        for round in 0..20 {
            let version = if round % 2 == 0 { &new } else { &old };
            c.one.zreplace(&board, version).await.expect("zreplace");
        }
    };
    let reader = async {
        for _ in 0..60 {
            let top = c.two.ztop(&board, usize::MAX).await.expect("ztop");
            let whole = |tag: &str| {
                top.len() == SIZE as usize && top.iter().all(|e| e.member.starts_with(tag))
            };
            assert!(
                whole("old") || whole("new"),
                "a half-written board of {} members",
                top.len()
            );
        }
    };
    tokio::join!(writer, reader);
}

async fn a_member_is_removed_from_every_set_of_one_guild_only(c: &Caches) {
    let cache = &*c.one;
    let boards: Vec<CacheKey> = (0..1_500)
        .map(|n| key(cache, 1, &format!("lb:kills:d:{n}:all")))
        .collect();
    for board in &boards {
        cache.zincr(board, "erin", 3.0).await.expect("zincr");
        cache.zincr(board, "bob", 2.0).await.expect("zincr");
    }
    let alone = key(cache, 1, "lb:teamkills:all:all");
    cache.zincr(&alone, "erin", 1.0).await.expect("zincr");
    // Guild 11's keys begin with guild 1's digits; another bot's prefix begins with ours.
    let neighbour = key(cache, 11, "lb:kills:all:all");
    let other_bot = CacheKey::guild(&format!("{}.other", cache.prefix()), GuildId(1), "lb:kills")
        .expect("a valid key");
    for spared in [&neighbour, &other_bot] {
        cache.zincr(spared, "erin", 5.0).await.expect("zincr");
    }

    let removed = c.two.zrem_guild(GuildId(1), "erin").await.expect("removed");
    assert_eq!(removed, 1_501, "every set of the guild held her");
    for board in &boards {
        assert_eq!(cache.zscore(board, "erin").await.expect("zscore"), None);
        assert_eq!(cache.zscore(board, "bob").await.expect("zscore"), Some(2.0));
    }
    assert_eq!(
        cache.ztop(&alone, 10).await.expect("top"),
        [],
        "a set left empty is gone"
    );
    for spared in [&neighbour, &other_bot] {
        assert_eq!(
            cache.zscore(spared, "erin").await.expect("zscore"),
            Some(5.0),
            "{spared}"
        );
    }
    assert_eq!(
        c.two.zrem_guild(GuildId(1), "erin").await.expect("removed"),
        0,
        "twice changes nothing"
    );
}

async fn two_guilds_and_two_prefixes_never_share_a_key(c: &Caches) {
    let cache = &*c.one;
    let first = key(cache, 1, "lb:kills");
    let second = key(cache, 2, "lb:kills");
    let other_bot = CacheKey::guild(&format!("{}.other", cache.prefix()), GuildId(1), "lb:kills")
        .expect("a valid key");

    cache.zincr(&first, "ada", 1.0).await.expect("zincr");
    cache.zincr(&second, "ada", 20.0).await.expect("zincr");
    cache.zincr(&other_bot, "ada", 4000.0).await.expect("zincr");
    assert_eq!(
        cache.zscore(&first, "ada").await.expect("zscore"),
        Some(1.0)
    );
    assert_eq!(
        cache.zscore(&second, "ada").await.expect("zscore"),
        Some(20.0)
    );
    assert_eq!(
        cache.zscore(&other_bot, "ada").await.expect("zscore"),
        Some(4000.0)
    );

    cache.zreplace(&first, &[]).await.expect("emptied");
    assert_eq!(
        cache.zscore(&second, "ada").await.expect("zscore"),
        Some(20.0),
        "emptying guild 1's key spares guild 2"
    );
    assert_eq!(
        cache.zscore(&other_bot, "ada").await.expect("zscore"),
        Some(4000.0)
    );

    // A prefix that would reach into another guild's keys cannot be built at all.
    assert!(CacheKey::guild(&format!("{}:g:2", cache.prefix()), GuildId(1), "lb").is_err());
}

#[expect(
    clippy::float_cmp,
    reason = "scores must come back exactly: these values are exact in binary and Redis replies round-trip"
)]
async fn a_score_that_is_not_a_number_is_refused_and_changes_nothing(c: &Caches) {
    let cache = &*c.one;
    let board = key(cache, 1, "board");
    assert_eq!(
        cache
            .zincr(&board, "ada", f64::INFINITY)
            .await
            .expect("zincr"),
        f64::INFINITY
    );
    assert!(
        is_refusal(&cache.zincr(&board, "ada", f64::NEG_INFINITY).await),
        "inf - inf"
    );
    assert!(is_refusal(
        &cache.zreplace(&board, &[ranked("bob", f64::NAN)]).await
    ));
    assert_eq!(
        cache.ztop(&board, 5).await.expect("ztop"),
        [ranked("ada", f64::INFINITY)]
    );
}

/// The keys a Redis test wrote are gone once it ends.
#[tokio::test]
async fn redis_tests_leave_no_keys_behind() {
    let Some(shared) = SharedRedis::open() else {
        return;
    };
    let cache = RedisCache::connect(&shared.url, &shared.prefix).await;
    for guild in 1..=3 {
        cache
            .zincr(&key(&cache, guild, "lb"), "ada", 1.0)
            .await
            .expect("zincr");
    }
    assert_eq!(shared.key_count(), 3);
    shared.delete_keys();
    assert_eq!(shared.key_count(), 0);
}

/// Awaits a cache call, failing the test if it hangs instead of failing fast. Generous on
/// purpose: it catches a hang, it does not measure speed.
async fn answered<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("a cache call hung instead of failing fast")
}

/// Rebuilds `key` until that succeeds, as the bot's commands would, for up to 20 s.
async fn until_back(cache: &RedisCache, key: &CacheKey) {
    for _ in 0..200 {
        if answered(cache.zreplace(key, &[ranked("back", 1.0)]))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the cache did not come back after Redis did");
}

fn assert_outage<T: std::fmt::Debug>(result: &Result<T, CacheError>) {
    assert!(
        matches!(result, Err(error) if error.is_outage()),
        "expected an outage: {result:?}"
    );
}

/// Waits until `cache` answers and returns its (outages, recoveries) at that moment. A loaded
/// machine can make the very first call time out; the scenarios count from here.
async fn answering(cache: &RedisCache, key: &CacheKey) -> (u64, u64) {
    until_back(cache, key).await;
    let health = cache.health();
    assert!(health.is_available(), "Redis is up");
    (health.outages(), health.recoveries())
}

#[tokio::test]
async fn a_redis_that_dies_fails_fast_then_comes_back_by_itself() {
    let Some(mut server) = PrivateRedis::start().await else {
        return;
    };
    let cache = RedisCache::connect(&server.url(), "outage").await;
    let health = cache.health();
    let board = key(&cache, 1, "lb");
    let (outages, recoveries) = answering(&cache, &board).await;

    server.stop();
    for _ in 0..3 {
        let result = answered(cache.ztop(&board, 10)).await;
        assert_outage(&result);
    }
    assert!(!health.is_available());
    assert_eq!(health.outages() - outages, 1, "one outage, noted once");

    server.restart().await;
    until_back(&cache, &board).await;
    assert_eq!(
        cache.ztop(&board, 10).await.expect("Redis is back"),
        [ranked("back", 1.0)]
    );
    assert!(health.is_available());
    assert_eq!(
        (health.outages() - outages, health.recoveries() - recoveries),
        (1, 1)
    );
}

#[tokio::test]
async fn a_redis_that_stops_answering_fails_fast_then_comes_back_by_itself() {
    let Some(server) = PrivateRedis::start().await else {
        return;
    };
    let cache = RedisCache::connect(&server.url(), "frozen").await;
    let health = cache.health();
    let board = key(&cache, 1, "lb");
    let (outages, recoveries) = answering(&cache, &board).await;

    // The socket stays open but nothing answers: only timeouts can end these calls.
    server.freeze();
    for _ in 0..3 {
        let result = answered(cache.ztop(&board, 10)).await;
        assert_outage(&result);
    }
    assert_eq!(health.outages() - outages, 1);

    server.thaw();
    until_back(&cache, &board).await;
    assert_eq!(health.recoveries() - recoveries, 1);
}

/// Log lines written while a test runs on this thread, to check what they reveal.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

#[tokio::test]
async fn nothing_listening_at_start_up_fails_fast_and_redis_is_picked_up_when_it_starts() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The test runtime runs on this thread only, so a thread-local subscriber sees every line.
    let _logging = tracing::subscriber::set_default(subscriber);

    let port = free_port();
    let password = "s3cret-pw-42";
    let url = redis_url(port, Some(password));
    let cache = answered(RedisCache::connect(&url, "boot")).await;
    let health = cache.health();
    let error = answered(cache.ping()).await.expect_err("nothing listens");
    assert!(error.is_outage(), "{error}");
    assert_eq!(health.outages(), 1, "down at start-up is an outage");
    assert!(!error.to_string().contains(password), "{error}");
    assert!(
        logs.text().contains("not reachable at start-up"),
        "{}",
        logs.text()
    );

    // Redis starts after the bot: the cache connects on use, with no help.
    let Some(_server) = PrivateRedis::start_on(port, Some(password)).await else {
        return;
    };
    until_back(&cache, &key(&cache, 1, "lb")).await;
    assert_eq!(health.recoveries(), 1);
    assert!(
        !logs.text().contains(password),
        "a log line revealed the password: {}",
        logs.text()
    );
}

/// A board rebuilt with its seal counts each increment on it; once the set is gone (a flush, an
/// eviction), increments change nothing instead of starting a new set from zero.
async fn a_sealed_set_counts_its_writes_and_refuses_them_once_the_seal_is_gone(caches: &Caches) {
    let board = key(&*caches.one, 1, "board:sealed");
    caches
        .one
        .zreplace(&board, &[ranked("ada", 10.0), ranked("seal", -1.0)])
        .await
        .expect("rebuilt");
    let seal = caches
        .one
        .zincr_sealed(&board, "seal", "ada", 3.0)
        .await
        .expect("counted");
    assert_eq!(seal, Some(-2.0), "one write on the seal");
    let seal = caches
        .two
        .zincr_sealed(&board, "seal", "bob", 2.0)
        .await
        .expect("counted");
    assert_eq!(seal, Some(-3.0), "two writes on the seal");
    assert_eq!(
        caches.one.zscore(&board, "ada").await.expect("read"),
        Some(13.0)
    );
    assert_eq!(
        caches.one.zscore(&board, "bob").await.expect("read"),
        Some(2.0)
    );

    caches.one.zreplace(&board, &[]).await.expect("flushed");
    let seal = caches
        .one
        .zincr_sealed(&board, "seal", "ada", 5.0)
        .await
        .expect("answered");
    assert_eq!(seal, None, "no seal, no write");
    assert_eq!(
        caches.two.ztop(&board, 10).await.expect("read"),
        [],
        "nothing was created"
    );
}

/// A sealed view is one read: the top without the seal, the member's place, and the seal.
async fn a_sealed_view_leaves_the_seal_out_and_is_none_without_it(caches: &Caches) {
    let board = key(&*caches.one, 1, "board:view");
    assert_eq!(
        caches
            .one
            .zview_sealed(&board, "seal", 10, "ada")
            .await
            .expect("answered"),
        None,
        "a missing set has no seal"
    );
    caches
        .one
        .zreplace(
            &board,
            &[ranked("ada", 5.0), ranked("bob", 9.0), ranked("seal", -4.0)],
        )
        .await
        .expect("rebuilt");
    let view = caches
        .two
        .zview_sealed(&board, "seal", 10, "ada")
        .await
        .expect("answered");
    assert_eq!(
        view,
        Some(SealedView {
            seal: -4.0,
            top: vec![ranked("bob", 9.0), ranked("ada", 5.0)],
            rank: Some(1),
            score: Some(5.0),
        })
    );
    let first = caches
        .two
        .zview_sealed(&board, "seal", 1, "carol")
        .await
        .expect("answered")
        .expect("sealed");
    assert_eq!(first.top, vec![ranked("bob", 9.0)]);
    assert_eq!(
        (first.rank, first.score),
        (None, None),
        "carol is not on the board"
    );

    caches
        .one
        .zreplace(&board, &[ranked("ada", 5.0)])
        .await
        .expect("replaced without a seal");
    assert_eq!(
        caches
            .two
            .zview_sealed(&board, "seal", 10, "ada")
            .await
            .expect("answered"),
        None
    );
}
