//! The `trakker` command line: run the bot (the default) or one of the operator's tasks in
//! [`trakker::admin`], alone or from the `admin` menu.
//!
//! `run` owns the process's lifetime: it builds the [`App`], runs the Discord client until
//! SIGTERM or Ctrl-C, then shuts the app down in order.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use trakker::admin;
use trakker::app::App;
use trakker::config::{Config, LogFormat, MISSING_TOKEN_HELP};
use trakker::discord;
use trakker::ops;

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
    /// Open a menu of the tasks below, chosen with the arrow keys (needs a terminal).
    Admin,
    #[command(flatten)]
    Task(Task),
}

/// The operator's tasks, each also an entry of the `admin` menu.
#[derive(Subcommand)]
enum Task {
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
    Export(admin::ExportArgs),
    /// List every server the database knows: members, rows, last activity; and its size.
    Overview,
    /// Draw every chart of a server into PNG files.
    Charts(admin::ChartsArgs),
    /// Remove every server's activity older than its retention now (the bot does it hourly).
    Retention,
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
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => runtime.block_on(run(config)),
        // The menu reads the terminal itself and runs each task on the runtime in turn.
        Command::Admin => admin::menu::run(&runtime, &config),
        Command::Task(task) => runtime.block_on(perform(task, &config)),
    };
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

/// Runs one task to its end.
async fn perform(task: Task, config: &Config) -> anyhow::Result<ExitCode> {
    match task {
        Task::Migrate => admin::migrate(config).await,
        Task::CheckConfig => Ok(admin::check_config(config).await),
        Task::Export(args) => admin::export(config, &args).await,
        Task::Backup { file } => admin::backup(config, &file).await,
        Task::Restore { file } => admin::restore(config, &file).await,
        Task::MigrateData { from, to } => admin::migrate_data(&from, &to).await,
        Task::Overview => admin::overview(config).await,
        Task::Charts(args) => admin::charts(config, &args).await,
        Task::Retention => admin::retention(config).await,
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
