//! The `trakker` command line: run the bot, apply migrations, or check the configuration.
//!
//! `run` owns the process's lifetime: it builds the [`App`], runs the Discord client until
//! SIGTERM or Ctrl-C, then shuts the app down in order.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use trakker::app::{self, App};
use trakker::config::{Config, LogFormat, MISSING_TOKEN_HELP};
use trakker::discord;
use trakker::maintenance;
use trakker::ops;
use trakker::store::{self, Probe};

/// A Discord bot for gaming communities: squad stats and community activity.
///
/// Squad stats: kills and team kills, game sessions, seasons and leaderboards. Community
/// activity: voice time, messages, emojis, reactions, command use and invites, recorded from
/// gateway events.
///
/// Configuration comes from the environment and from a `.env` file in the working directory;
/// see `.env.example`.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (the default).
    Run,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets redacted) and check the database and Redis.
    CheckConfig,
    /// Write a consistent snapshot of the whole database to FILE (safe while the bot runs).
    Backup {
        /// The file to write (replaced when it exists).
        file: std::path::PathBuf,
    },
    /// Restore a backup into the database `DATABASE_URL` names, which must be empty (a new one).
    Restore {
        /// A file written by `trakker backup`.
        file: std::path::PathBuf,
    },
    /// Copy every row from one database to another (e.g. SQLite to Postgres) and compare them.
    MigrateData {
        /// The database to copy from, e.g. `sqlite://trakker.db`.
        #[arg(long)]
        from: String,
        /// The database to copy to, e.g. `postgres://user@host/trakker`; it must be empty.
        #[arg(long)]
        to: String,
    },
    /// Write a server's data as CSV files, streamed from the database (safe while the bot runs).
    Export(ExportArgs),
}

/// What `trakker export` writes.
#[derive(clap::Args)]
struct ExportArgs {
    /// The server's id.
    #[arg(long)]
    guild: u64,
    /// What to export: ledger, players, sessions, voice, daily, invites, or all.
    #[arg(long, default_value = "all")]
    what: String,
    /// Only the last this many days (default: everything).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    days: Option<u32>,
    /// The directory the files go to; they are named trakker-<guild>-<what>.csv.
    #[arg(long, default_value = ".")]
    out: std::path::PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A missing .env is normal (Heroku, Docker); a malformed one is worth saying.
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            eprintln!("error: could not read .env: {error}");
            return ExitCode::FAILURE;
        }
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("error: {error}");
            }
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let log_format = config.log_format;
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Run) {
            Command::Run => run(config).await,
            Command::Migrate => migrate(&config).await,
            Command::CheckConfig => Ok(check_config(&config).await),
            Command::Export(args) => export(&config, &args).await,
            Command::Backup { file } => backup(&config, &file).await,
            Command::Restore { file } => restore(&config, &file).await,
            Command::MigrateData { from, to } => migrate_data(&from, &to).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            // Once, where the operator looks: a line on stderr for a person, a JSON record for a
            // log collector (both on stderr, so writing both would show it twice).
            match log_format {
                LogFormat::Text => eprintln!("error: {error:#}"),
                LogFormat::Json => tracing::error!(error = format!("{error:#}"), "trakker stopped"),
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,serenity=warn,sqlx=warn"));
    // Colours only on a terminal: Heroku, Docker and journald store the codes as text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(config: Config) -> anyhow::Result<ExitCode> {
    if config.discord_token.is_none() {
        eprintln!("error: {MISSING_TOKEN_HELP}");
        return Ok(ExitCode::from(2));
    }
    // Bound and installed before the app opens its store and cache: a port in use stops the
    // process before anything starts, and the store's and cache's first outage is counted.
    let metrics = match config.metrics_addr {
        Some(addr) => Some((
            ops::server::bind(addr)
                .await
                .with_context(|| format!("could not listen on METRICS_ADDR {addr}"))?,
            ops::metrics::install().context("a metrics recorder was installed already")?,
        )),
        None => None,
    };
    let app = Arc::new(App::start(config).await?);
    let server = match metrics {
        Some((listener, handle)) => {
            ops::metrics::database_answered(true);
            Some(ops::server::start(listener, Arc::clone(&app), handle)?)
        }
        None => None,
    };
    let result = discord::client::run(Arc::clone(&app), shutdown_signal()).await;
    app.shutdown().await;
    if let Some(server) = server {
        server.stop();
    }
    result?;
    tracing::info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let store = store::connect(&config.database_url, true).await?;
    println!(
        "migrations applied to {} ({})",
        config.database_url,
        store.backend().name()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = store::connect(&config.database_url, false).await?;
    let tally = maintenance::backup(store.as_ref(), file).await;
    store.close().await;
    let tally = tally?;
    println!(
        "{}: {} rows of {} tables",
        file.display(),
        tally.rows(),
        tally.tables.len()
    );
    Ok(ExitCode::SUCCESS)
}

async fn restore(config: &Config, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = store::connect(&config.database_url, true).await?;
    let result = maintenance::restore(store.as_ref(), file).await;
    store.close().await;
    match result {
        Ok(tally) => {
            println!(
                "restored {} rows of {} tables into {}",
                tally.rows(),
                tally.tables.len(),
                config.database_url
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(maintenance::MaintenanceError::Refused(sentence)) => {
            eprintln!("error: {sentence}");
            Ok(ExitCode::from(2))
        }
        Err(other) => Err(other.into()),
    }
}

async fn migrate_data(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let parse = |url: &str, flag: &str| {
        trakker::config::DatabaseUrl::parse(url)
            .map_err(|error| anyhow::anyhow!("--{flag} is not a database URL: {error}"))
    };
    let (source_url, target_url) = (parse(from, "from")?, parse(to, "to")?);
    if maintenance::same_database(&source_url, &target_url) {
        eprintln!("error: --from and --to name the same database; nothing was copied.");
        return Ok(ExitCode::from(2));
    }
    let source = store::connect(&source_url, true).await?;
    let target = store::connect(&target_url, true).await?;
    let result = maintenance::migrate_data(source.as_ref(), target.as_ref()).await;
    source.close().await;
    target.close().await;
    match result {
        Ok(tally) => {
            println!(
                "copied {} rows of {} tables from {source_url} to {target_url}; every table's rows and checksum match",
                tally.rows(),
                tally.tables.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(maintenance::MaintenanceError::Refused(sentence)) => {
            eprintln!("error: {sentence}");
            Ok(ExitCode::from(2))
        }
        Err(other) => Err(other.into()),
    }
}

/// Writes each asked-for table to its own file, one row at a time.
async fn export(config: &Config, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    use trakker::exports::{file_name, write_csv, Period};
    use trakker::store::exports::ExportTable;

    let tables = if args.what == "all" {
        ExportTable::ALL.to_vec()
    } else if let Some(table) = ExportTable::from_name(&args.what) {
        vec![table]
    } else {
        let names: Vec<&str> = ExportTable::ALL.iter().map(|table| table.name()).collect();
        eprintln!(
            "error: --what must be one of {} or all, not `{}`",
            names.join(", "),
            args.what
        );
        return Ok(ExitCode::from(2));
    };
    let store = store::connect(&config.database_url, true).await?;
    let guild = trakker::domain::ids::GuildId(args.guild);
    let now = chrono::Utc::now();
    let period = Period {
        since: args
            .days
            .and_then(|days| now.checked_sub_days(chrono::Days::new(u64::from(days)))),
        until: now,
    };
    for table in tables {
        let path = args.out.join(file_name(guild, table, None));
        let file = std::fs::File::create(&path)
            .map_err(|error| anyhow::anyhow!("could not create {}: {error}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let rows = write_csv(store.as_ref(), guild, table, period, &mut out).await?;
        println!("{}: {rows} rows", path.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Exits non-zero only when the database fails: a dead Redis degrades the bot but does not stop
/// it, so it is reported without failing the check.
async fn check_config(config: &Config) -> ExitCode {
    println!("configuration:");
    for (name, value) in config.describe() {
        println!("  {name} = {value}");
    }
    println!("checks:");
    // `probe`, not `connect`: checking must not create the SQLite file it checks.
    let database_ok = match store::probe(&config.database_url).await {
        Ok(Probe::Ready(backend)) => {
            println!("  database: ok ({})", backend.name());
            true
        }
        Ok(Probe::NotCreatedYet(file)) => {
            println!(
                "  database: ok (SQLite): {} does not exist yet; run and migrate create it",
                file.display()
            );
            true
        }
        Err(error) => {
            println!("  database: FAILED: {error}");
            false
        }
    };
    if config.redis_url.is_none() {
        println!("  redis: not configured (in-process cache)");
    } else {
        match app::open_cache(config).await.ping().await {
            Ok(()) => println!("  redis: ok"),
            Err(error) => println!(
                "  redis: FAILED: {error} (the bot still runs, answering from the database)"
            ),
        }
    }
    if config.discord_token.is_none() {
        println!("  discord token: missing ({MISSING_TOKEN_HELP})");
    } else {
        println!("  discord token: set");
    }
    if database_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Resolves on SIGTERM (Heroku, Docker, systemd) or Ctrl-C. Listened for here, not inside the
/// Discord client, so the client can be run and stopped by anything that resolves a future.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
