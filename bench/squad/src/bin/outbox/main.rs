//! `outbox`: outgoing webhooks under failure. Per database: `--hooks` servers, each with one hook
//! to a local receiver that answers 503 to every `--fail-every`-th request it gets; a publisher
//! (a store connection of its own, as another shard process would have) queues `--events`
//! events round-robin over the servers while the delivery loop runs; half-way, the delivering
//! process is stopped and a new one started on the same database. At the end it checks, from
//! the receiver's side, that every event arrived, none twice, and each hook's in order, and
//! reports the time to drain, the rate, and the latency from publishing to acceptance.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use clap::Parser;
use tokio::sync::oneshot;
use trakker::clock::Clock;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId};
use trakker::domain::webhooks::{Event, Events, Networks};
use trakker::store::{GuildRecord, Store};
use trakker::webhooks::{Sender, Webhooks};
use trakker_bench::database::{Backend, BenchDatabase};
use trakker_bench::machine::Machine;

/// The benchmark's knobs.
#[derive(Debug, Parser)]
#[command(about = "Webhook deliveries through the outbox, against a receiver that fails")]
struct Args {
    /// Databases to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<Backend>,
    /// Events published in all.
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Servers, one hook each; events go round-robin over them.
    #[arg(long, default_value_t = 10)]
    hooks: usize,
    /// The receiver fails every n-th request it gets (3: a third).
    #[arg(long, default_value_t = 3)]
    fail_every: usize,
    /// The wait after a hook's first failure, doubling after each further one (500 in the bot).
    #[arg(long, default_value_t = 500)]
    first_retry_ms: u64,
    /// Where the SQLite file goes.
    #[arg(long, default_value = "/tmp/trakker-outbox-bench")]
    work_dir: PathBuf,
    /// A Postgres server on which a database `trakker_bench_<pid>` is created, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Also write the report to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// What the receiver accepted: per hook, the sequence numbers in arrival order, and the
/// latency of each from its publishing.
#[derive(Default)]
struct Accepted {
    sequence: HashMap<usize, Vec<u64>>,
    latency_ms: Vec<f64>,
}

#[derive(Clone)]
struct Receiver {
    requests: Arc<AtomicUsize>,
    fail_every: usize,
    started: Instant,
    accepted: Arc<Mutex<Accepted>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    Path(hook): Path<usize>,
    body: String,
) -> StatusCode {
    let number = receiver.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if number % receiver.fail_every == 0 {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let sequence = body["data"]["seq"].as_u64().unwrap_or(u64::MAX);
    let published_us = body["data"]["published_us"].as_u64().unwrap_or(0);
    #[expect(
        clippy::cast_precision_loss,
        reason = "microseconds of a benchmark run"
    )]
    let latency_ms =
        (receiver.started.elapsed().as_micros() as f64 - published_us as f64) / 1_000.0;
    let mut accepted = receiver.accepted.lock().expect("not poisoned");
    accepted.sequence.entry(hook).or_default().push(sequence);
    accepted.latency_ms.push(latency_ms);
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.fail_every >= 2, "--fail-every must be at least 2");
    anyhow::ensure!(
        args.hooks >= 1 && args.events >= args.hooks,
        "--events below --hooks"
    );
    let mut report = format!(
        "machine: {}\n\ncommand: `{}`\n\n\
         | database | events | hooks | requests | failed answers | drained in s | events/s | \
         latency p50 ms | latency p99 ms | lost | twice | out of order | left in outbox |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        Machine::describe(),
        command_line()
    );
    println!("outbox benchmark\n{report}");
    for backend in &args.backends {
        let dir = args.work_dir.join(backend.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        let database = BenchDatabase::create(*backend, &dir, &dir, &args.postgres_url).await?;
        let row = measure(&args, &database).await;
        database.drop_database().await?;
        let row = row?;
        println!("{row}");
        report.push_str(&row);
    }
    if let Some(out) = &args.out {
        std::fs::write(out, &report).with_context(|| format!("write {}", out.display()))?;
    }
    Ok(())
}

fn guild(hook: usize) -> GuildId {
    GuildId(990_000_000_000_000_000 + hook as u64)
}

async fn open(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    Ok(trakker::store::connect(url, true).await?.into())
}

fn service(store: &Arc<dyn Store>, args: &Args) -> Arc<Webhooks> {
    let allowed = Networks::parse("127.0.0.1").expect("a valid address");
    Arc::new(
        Webhooks::new(Arc::clone(store), Sender::new(allowed), Clock::system())
            .with_first_retry(Duration::from_millis(args.first_retry_ms)),
    )
}

/// Starts the delivery loop of one "process"; stop it with the sender.
fn deliver(webhooks: Arc<Webhooks>) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        webhooks.run(stopped, |_| {}).await;
    });
    (stop, task)
}

async fn measure(args: &Args, database: &BenchDatabase) -> anyhow::Result<String> {
    let url = DatabaseUrl::parse(database.url()).context("the bench database URL")?;
    let publisher_store = open(&url).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let receiver = Receiver {
        requests: Arc::default(),
        fail_every: args.fail_every,
        started: Instant::now(),
        accepted: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/hook/{hook}", axum::routing::post(receive))
        .with_state(receiver.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let publisher = service(&publisher_store, args);
    for hook in 0..args.hooks {
        publisher_store
            .upsert_guild(&GuildRecord {
                id: guild(hook),
                name: format!("outbox bench {hook}"),
                joined_at: chrono::Utc::now(),
                left_at: None,
            })
            .await?;
        publisher
            .add(
                guild(hook),
                &format!("http://{address}/hook/{hook}"),
                Events::all(),
                ChannelId(1),
            )
            .await
            .map_err(|error| anyhow::anyhow!("add hook {hook}: {error}"))?;
    }

    let started = Instant::now();
    let mut worker_store = open(&url).await?;
    let (mut stop, mut task) = deliver(service(&worker_store, args));
    let publishing = {
        let (publisher, events, hooks, clock) = (
            Arc::clone(&publisher),
            args.events,
            args.hooks,
            receiver.started,
        );
        tokio::spawn(async move {
            for n in 0..events {
                let data = serde_json::json!({
                    "seq": n / hooks,
                    "published_us": u64::try_from(clock.elapsed().as_micros()).unwrap_or(0),
                });
                publisher
                    .publish(guild(n % hooks), Event::KillTracked, data)
                    .await;
            }
        })
    };
    let accepted_count = || {
        receiver
            .accepted
            .lock()
            .expect("not poisoned")
            .latency_ms
            .len()
    };
    // Half-way, the delivering process stops and a new one takes over.
    while accepted_count() < args.events / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).ok();
    task.await?;
    worker_store.close().await;
    worker_store = open(&url).await?;
    (stop, task) = deliver(service(&worker_store, args));
    publishing.await?;
    let deadline = Instant::now() + Duration::from_secs(3_600);
    while publisher_store.outbox_len().await? > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = started.elapsed();
    stop.send(()).ok();
    task.await?;
    let left = publisher_store.outbox_len().await?;
    worker_store.close().await;
    publisher_store.close().await;
    server.abort();

    let accepted = std::mem::take(&mut *receiver.accepted.lock().expect("not poisoned"));
    row(args, database, &receiver, &accepted, drained, left).await
}

async fn row(
    args: &Args,
    database: &BenchDatabase,
    receiver: &Receiver,
    accepted: &Accepted,
    drained: Duration,
    left: u64,
) -> anyhow::Result<String> {
    let mut lost = 0;
    let mut twice = 0;
    let mut out_of_order = 0;
    for hook in 0..args.hooks {
        let expected = (args.events - hook).div_ceil(args.hooks);
        let sequence = accepted.sequence.get(&hook).cloned().unwrap_or_default();
        let mut distinct = sequence.clone();
        distinct.sort_unstable();
        distinct.dedup();
        lost += expected.saturating_sub(distinct.len());
        twice += sequence.len() - distinct.len();
        // In order: each delivery's number is the one after the last new one (a repeat of the
        // last is a duplicate, not a reordering).
        let mut next = 0_u64;
        for &number in &sequence {
            if number == next {
                next += 1;
            } else if number + 1 != next {
                out_of_order += 1;
            }
        }
    }
    let requests = receiver.requests.load(Ordering::SeqCst);
    let mut latency = accepted.latency_ms.clone();
    latency.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let at = ((latency.len() as f64 - 1.0) * q).round() as usize;
        latency.get(at).copied().unwrap_or(f64::NAN)
    };
    #[expect(clippy::cast_precision_loss, reason = "counts of a benchmark run")]
    let rate = args.events as f64 / drained.as_secs_f64();
    let mut line = String::new();
    let _ = writeln!(
        line,
        "| {} | {} | {} | {requests} | {} | {:.1} | {rate:.0} | {:.1} | {:.1} | {lost} | {twice} | {out_of_order} | {left} |",
        database.server_version().await?,
        args.events,
        args.hooks,
        requests / args.fail_every,
        drained.as_secs_f64(),
        quantile(0.5),
        quantile(0.99),
    );
    Ok(line)
}

/// How to run this again, as it was run.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut line =
        "cargo build --release -p trakker-bench --bin outbox && target/release/outbox".to_owned();
    for arg in args {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}
