//! Outgoing webhooks against a real HTTP receiver on loopback, on every backend: deliveries
//! signed and in order through failures, the outbox surviving a restart, a hook paused after a
//! day of failures and resumed, redirects not followed, and destinations refused.

#[macro_use]
mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use support::receiver::{signature_of, Receiver};
use tokio::sync::oneshot;
use trakker::clock::Clock;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId};
use trakker::domain::webhooks::{Event, Events, Networks, PAUSE_AFTER};
use trakker::store::{self, GuildRecord, Store};
use trakker::webhooks::{AddError, Sender, Webhooks};

conformance! {
    fresh: [
        deliveries_arrive_signed_and_in_order_through_failures,
        the_outbox_survives_a_restart,
        a_day_of_failures_pauses_a_hook_once_and_resume_sends_what_waited,
        redirects_are_not_followed,
    ],
    migrated: [],
}

const GUILD: GuildId = GuildId(100);
const CHANNEL: ChannelId = ChannelId(10);

async fn open(url: &DatabaseUrl) -> Arc<dyn Store> {
    let store: Arc<dyn Store> = store::connect(url, true)
        .await
        .expect("open and migrate the store")
        .into();
    store
        .upsert_guild(&GuildRecord {
            id: GUILD,
            name: "squad".to_owned(),
            joined_at: Utc::now(),
            left_at: None,
        })
        .await
        .expect("guild stored");
    store
}

fn loopback() -> Networks {
    Networks::parse("127.0.0.1").expect("valid")
}

fn service(store: &Arc<dyn Store>) -> Arc<Webhooks> {
    Arc::new(
        Webhooks::new(Arc::clone(store), Sender::new(loopback()), Clock::system())
            .with_first_retry(Duration::from_millis(20)),
    )
}

/// Runs the delivery loop until the returned sender is used (or dropped).
fn deliver(webhooks: &Arc<Webhooks>) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let webhooks = Arc::clone(webhooks);
    let task = tokio::spawn(async move {
        webhooks
            .run(
                async {
                    let _ = stopped.await;
                },
                |_| {},
            )
            .await;
    });
    (stop, task)
}

/// Waits until the outbox is empty.
async fn drained(store: &dyn Store) {
    for _ in 0..1_000 {
        if store.outbox_len().await.expect("read") == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the outbox still holds {} deliveries",
        store.outbox_len().await.expect("read")
    );
}

/// The `n`-th event's data.
fn numbered(n: usize) -> serde_json::Value {
    serde_json::json!({ "n": n })
}

async fn deliveries_arrive_signed_and_in_order_through_failures(url: &DatabaseUrl) {
    let store = open(url).await;
    // Every third request fails: each failure is retried before anything newer is sent.
    let receiver = Receiver::start(|number| number % 3 == 2).await;
    let webhooks = service(&store);
    let kills = webhooks
        .add(
            GUILD,
            &receiver.url("/hook/kills"),
            Events::only(Event::KillTracked),
            CHANNEL,
        )
        .await
        .expect("added");
    let all = webhooks
        .add(GUILD, &receiver.url("/hook/all"), Events::all(), CHANNEL)
        .await
        .expect("added");
    assert_ne!(
        kills.secret.expose(),
        all.secret.expose(),
        "a secret per hook"
    );
    let (stop, task) = deliver(&webhooks);
    for n in 0..12 {
        let event = if n % 4 == 3 {
            Event::SessionEnded
        } else {
            Event::KillTracked
        };
        webhooks.publish(GUILD, event, numbered(n)).await;
    }
    drained(store.as_ref()).await;
    stop.send(()).expect("still running");
    task.await.expect("stopped cleanly");

    let seen = receiver.seen();
    let accepted = |path: &str| -> Vec<u64> {
        seen.iter()
            .filter(|seen| seen.accepted && seen.path == path)
            .map(|seen| {
                let body: serde_json::Value = serde_json::from_str(&seen.body).expect("json");
                body["data"]["n"].as_u64().expect("a number")
            })
            .collect()
    };
    assert_eq!(
        accepted("/hook/all"),
        (0..12).collect::<Vec<_>>(),
        "every event, in order"
    );
    assert_eq!(
        accepted("/hook/kills"),
        (0..12).filter(|n| n % 4 != 3).collect::<Vec<_>>(),
        "kills only, in order"
    );
    assert!(
        seen.iter().any(|seen| !seen.accepted),
        "some answers failed"
    );
    for seen in &seen {
        let secret = if seen.path == "/hook/all" {
            &all
        } else {
            &kills
        }
        .secret
        .expose();
        assert_eq!(
            seen.signature,
            signature_of(secret, &seen.body),
            "signed: {seen:?}"
        );
        let body: serde_json::Value = serde_json::from_str(&seen.body).expect("json");
        assert_eq!(body["version"], 1);
        assert_eq!(body["id"], seen.delivery.as_str());
        assert_eq!(body["event"], seen.event.as_str());
        assert_eq!(body["guild_id"], GUILD.0.to_string());
    }
    // A retried delivery carries the same id; the same event to both hooks too.
    let ids = receiver.accepted("/hook/all");
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 12, "{ids:?}");
    let hooks = store.hooks(GUILD).await.expect("listed");
    assert_eq!(
        hooks
            .iter()
            .map(|hook| (hook.delivered, hook.pending, hook.failures))
            .collect::<Vec<_>>(),
        [(9, 0, 0), (12, 0, 0)],
        "counted, nothing waiting, failures forgotten after a success"
    );
    store.close().await;
}

async fn the_outbox_survives_a_restart(url: &DatabaseUrl) {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let receiver = {
        let down = Arc::clone(&down);
        Receiver::start(move |_| down.load(Ordering::SeqCst)).await
    };
    let store = open(url).await;
    let webhooks = service(&store);
    webhooks
        .add(GUILD, &receiver.url("/hook/a"), Events::all(), CHANNEL)
        .await
        .expect("added");
    let (stop, task) = deliver(&webhooks);
    for n in 0..20 {
        webhooks
            .publish(GUILD, Event::KillTracked, numbered(n))
            .await;
    }
    // The receiver is down: the first delivery fails over and over, nothing else is sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).expect("still running");
    task.await.expect("stopped cleanly");
    let tries = receiver.count.load(Ordering::SeqCst);
    assert!(
        tries >= 2,
        "it was tried: {tries} {:?}",
        store.hooks(GUILD).await
    );
    assert_eq!(store.outbox_len().await.expect("read"), 20, "all kept");
    store.close().await;
    drop(webhooks);

    // A new process on the same database, the receiver back.
    down.store(false, Ordering::SeqCst);
    let store = open(url).await;
    let webhooks = service(&store);
    let (stop, task) = deliver(&webhooks);
    drained(store.as_ref()).await;
    stop.send(()).expect("still running");
    task.await.expect("stopped cleanly");
    let numbers: Vec<u64> = receiver
        .seen()
        .iter()
        .filter(|seen| seen.accepted)
        .map(|seen| {
            let body: serde_json::Value = serde_json::from_str(&seen.body).expect("json");
            body["data"]["n"].as_u64().expect("a number")
        })
        .collect();
    assert_eq!(numbers, (0..20).collect::<Vec<_>>());
    store.close().await;
}

async fn a_day_of_failures_pauses_a_hook_once_and_resume_sends_what_waited(url: &DatabaseUrl) {
    let store = open(url).await;
    let receiver = Receiver::start(|_| false).await;
    let webhooks = service(&store);
    let hook = webhooks
        .add(GUILD, &receiver.url("/hook/p"), Events::all(), CHANNEL)
        .await
        .expect("added")
        .id;
    webhooks
        .publish(GUILD, Event::KillTracked, numbered(0))
        .await;
    let t0 = Utc
        .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .expect("valid");
    let fail = |at: chrono::DateTime<Utc>| {
        let store = Arc::clone(&store);
        async move {
            store
                .delivery_failed(hook, "HTTP 503", (at, at), PAUSE_AFTER)
                .await
                .expect("written")
        }
    };
    assert_eq!(fail(t0).await, None);
    assert_eq!(fail(t0 + TimeDelta::hours(23)).await, None, "not a day yet");
    let paused = fail(t0 + PAUSE_AFTER).await.expect("paused after a day");
    assert_eq!(
        (paused.hook_id, paused.guild_id, paused.channel_id),
        (hook, GUILD, CHANNEL)
    );
    assert_eq!(paused.last_error, "HTTP 503");
    assert_eq!(fail(t0 + PAUSE_AFTER).await, None, "paused once");
    // Paused: not claimed, and new events wait for it.
    let far = t0 + TimeDelta::days(3);
    assert!(store
        .claim_due(far, far + TimeDelta::seconds(60), 10)
        .await
        .expect("claimed")
        .is_empty());
    webhooks
        .publish(GUILD, Event::KillTracked, numbered(1))
        .await;
    let listed = store.hooks(GUILD).await.expect("listed");
    assert_eq!(listed[0].pending, 2);
    assert!(listed[0].paused_at.is_some());
    assert_eq!(listed[0].failures, 3);

    assert!(store
        .resume_hook(GUILD, hook, Utc::now())
        .await
        .expect("resumed"));
    assert!(
        !store
            .resume_hook(GuildId(999), hook, Utc::now())
            .await
            .expect("read"),
        "another guild's"
    );
    let (stop, task) = deliver(&webhooks);
    drained(store.as_ref()).await;
    stop.send(()).expect("still running");
    task.await.expect("stopped cleanly");
    assert_eq!(
        receiver.accepted("/hook/p").len(),
        2,
        "what waited was sent"
    );
    let listed = store.hooks(GUILD).await.expect("listed");
    assert_eq!((listed[0].failures, listed[0].paused_at), (0, None));
    assert!(store.remove_hook(GUILD, hook).await.expect("removed"));
    assert!(!store.remove_hook(GUILD, hook).await.expect("read"), "gone");
    store.close().await;
}

async fn redirects_are_not_followed(url: &DatabaseUrl) {
    let store = open(url).await;
    let receiver = Receiver::start(|_| false).await;
    let webhooks = service(&store);
    webhooks
        .add(GUILD, &receiver.url("/redirect"), Events::all(), CHANNEL)
        .await
        .expect("added");
    let (stop, task) = deliver(&webhooks);
    webhooks
        .publish(GUILD, Event::KillTracked, numbered(0))
        .await;
    let mut listed = Vec::new();
    for _ in 0..200 {
        listed = store.hooks(GUILD).await.expect("listed");
        if listed[0].failures >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).expect("still running");
    task.await.expect("stopped cleanly");
    assert!(listed[0].failures >= 2, "{listed:?}");
    let error = listed[0].last_error.clone().unwrap_or_default();
    assert!(
        error.contains("redirect") && error.contains("not followed"),
        "{error}"
    );
    assert!(
        receiver.seen().is_empty(),
        "the redirect's target was never asked"
    );
    assert_eq!(listed[0].pending, 1, "still waiting, not lost");
    store.close().await;
}

#[tokio::test]
async fn destinations_inside_the_network_are_refused_unless_allowed() {
    let store = open(&DatabaseUrl::parse("sqlite::memory:").expect("valid")).await;
    let strict = Webhooks::new(
        Arc::clone(&store),
        Sender::new(Networks::default()),
        Clock::system(),
    );
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/hook",
        "http://localhost:9/hook",
        "http://[::1]/hook",
        "ftp://example.com/hook",
        "https://user:secret@example.com/hook",
    ] {
        let refused = strict.add(GUILD, url, Events::all(), CHANNEL).await;
        assert!(
            matches!(refused, Err(AddError::Destination(_))),
            "{url}: {refused:?}"
        );
    }
    let receiver = Receiver::start(|_| false).await;
    assert!(
        strict
            .add(GUILD, &receiver.url("/hook/x"), Events::all(), CHANNEL)
            .await
            .is_err(),
        "loopback refused by default"
    );
    assert!(
        store.hooks(GUILD).await.expect("listed").is_empty(),
        "nothing written"
    );

    // Allowed, loopback is fine; ten hooks are the most a server has.
    let allowing = service(&store);
    for _ in 0..10 {
        allowing
            .add(GUILD, &receiver.url("/hook/x"), Events::all(), CHANNEL)
            .await
            .expect("added");
    }
    assert!(matches!(
        allowing
            .add(GUILD, &receiver.url("/hook/x"), Events::all(), CHANNEL)
            .await,
        Err(AddError::Limit)
    ));
    store.close().await;
}
