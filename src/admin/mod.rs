//! The operator's routine tasks. Each is a plain subcommand for scripts (`trakker overview`,
//! `trakker backup FILE`, …) and an entry of the interactive menu `trakker admin` opens
//! ([`menu`]); both run the same function here, which says what it did on stdout and returns
//! the process's exit code: 0 done, 1 a failure (the error is returned), 2 refused as asked.

pub mod menu;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app;
use crate::charts::numbers::count;
use crate::community::charts::{self, Chart, ChartCache, Drawing, Request};
use crate::community::retention;
use crate::config::{Config, MISSING_TOKEN_HELP};
use crate::domain::ids::GuildId;
use crate::exports::{file_name, write_csv, Period};
use crate::ingest::WrittenHours;
use crate::maintenance;
use crate::store::exports::ExportTable;
use crate::store::portable::GuildOverview;
use crate::store::{self, Probe, Store};

/// What `trakker export` writes.
#[derive(Clone, Debug, clap::Args)]
pub struct ExportArgs {
    /// The server's id (`trakker overview` lists them).
    #[arg(long)]
    pub guild: u64,
    /// What to export: ledger, players, sessions, voice, daily, invites, or all.
    #[arg(long, default_value = "all")]
    pub what: String,
    /// Only the last this many days (default: everything).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    /// The directory the files go to (made when missing); they are named
    /// trakker-<guild>-<what>.csv.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

/// What `trakker charts` draws.
#[derive(Clone, Debug, clap::Args)]
pub struct ChartsArgs {
    /// The server's id (`trakker overview` lists them).
    #[arg(long)]
    pub guild: u64,
    /// Only the last this many days (default: everything recorded).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    /// The directory the pictures go to (made when missing); they are named
    /// trakker-<guild>-<chart>.png.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

/// Opens the configured database, applying pending migrations, runs `task` on it and closes it
/// whatever the task's outcome.
async fn with_store<T>(
    config: &Config,
    task: impl AsyncFnOnce(&dyn Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = store::connect(&config.database_url, true).await?;
    let result = task(store.as_ref()).await;
    store.close().await;
    result
}

/// Opens the configured database as it is, for the tasks that only look (overview, charts, the
/// menu's list of servers): a newer `trakker` must not migrate a database that an older bot is
/// running on just because someone looked. A schema of another version is refused with what to
/// do instead.
async fn with_store_as_is<T>(
    config: &Config,
    task: impl AsyncFnOnce(&dyn Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = store::connect(&config.database_url, false).await?;
    let result = match schema_mismatch(store.as_ref()).await {
        Some(sentence) => Err(anyhow::anyhow!(sentence)),
        None => task(store.as_ref()).await,
    };
    store.close().await;
    result
}

/// Why the database's schema is not the one this build knows, if it is not.
async fn schema_mismatch(store: &dyn Store) -> Option<String> {
    // A database no migration ran on yet has no migrations table to read.
    let found = store.schema_version().await.unwrap_or(0);
    let known = store.latest_migration();
    match found.cmp(&known) {
        Ordering::Less => Some(format!(
            "the database's schema is older than this trakker's ({found} against {known}): \
             run `trakker migrate` first (the bot does it when it starts)"
        )),
        Ordering::Greater => Some(format!(
            "the database was migrated by a newer trakker (schema {found}, this one knows \
             {known}): use that version"
        )),
        Ordering::Equal => None,
    }
}

/// Every server the database knows: members, rows, last activity; and the database's size.
///
/// # Errors
/// When the database fails.
pub async fn overview(config: &Config) -> anyhow::Result<ExitCode> {
    // Looking must not create the SQLite file it looks at.
    if let Ok(Probe::NotCreatedYet(file)) = store::probe(&config.database_url).await {
        println!(
            "database: {} does not exist yet; the bot (or `trakker migrate`) creates it",
            file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (backend, overview) = with_store_as_is(config, async |store| {
        Ok((store.backend(), store.overview().await?))
    })
    .await?;
    println!(
        "database: {}, {}",
        backend.name(),
        bytes(overview.database_bytes)
    );
    if overview.guilds.is_empty() {
        println!("servers: none yet (the bot records a server when it joins one)");
        return Ok(ExitCode::SUCCESS);
    }
    println!("servers: {}", overview.guilds.len());
    let now = Utc::now();
    for guild in &overview.guilds {
        println!("  {}", guild_line(guild, now));
    }
    Ok(ExitCode::SUCCESS)
}

/// One server as the overview lists it.
fn guild_line(guild: &GuildOverview, now: DateTime<Utc>) -> String {
    let left = guild
        .left_at
        .map(|at| format!(" (the bot left on {})", at.format("%Y-%m-%d")))
        .unwrap_or_default();
    let last = guild.last_activity.map_or_else(
        || "no activity recorded".to_owned(),
        |at| {
            format!(
                "last activity {} ({})",
                at.format("%Y-%m-%d %H:%M UTC"),
                ago(now, at)
            )
        },
    );
    format!(
        "{} ({}){left}: {} members, {} rows, {last}",
        guild.name,
        guild.guild,
        count(guild.members),
        count(guild.rows)
    )
}

/// "3 days ago", "5 hours ago", "just now".
fn ago(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let span = now - at;
    let (count, unit) = if span.num_days() >= 1 {
        (span.num_days(), "day")
    } else if span.num_hours() >= 1 {
        (span.num_hours(), "hour")
    } else if span.num_minutes() >= 1 {
        (span.num_minutes(), "minute")
    } else {
        return "just now".to_owned();
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

/// A size in the largest binary unit that keeps it at least 1.
#[expect(
    clippy::cast_precision_loss,
    reason = "a size shown to one decimal place"
)]
fn bytes(value: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if value < 1024 {
        return format!("{value} bytes");
    }
    let mut size = value as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// Applies pending migrations (creating a SQLite file when it does not exist yet).
///
/// # Errors
/// When the database cannot be opened or a migration fails.
pub async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let backend = with_store(config, async |store| Ok(store.backend())).await?;
    println!(
        "migrations applied to {} ({})",
        config.database_url,
        backend.name()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the effective configuration (secrets redacted) and checks the database and Redis.
/// Fails only when the database fails: a dead Redis degrades the bot but does not stop it, so it
/// is reported without failing the check.
pub async fn check_config(config: &Config) -> ExitCode {
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

/// Writes a consistent snapshot of the whole database to `file` (safe while the bot runs).
///
/// # Errors
/// When the database or the file fails.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<ExitCode> {
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

/// Restores a backup into the configured database, which must be empty.
///
/// # Errors
/// When the database or the file fails.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<ExitCode> {
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
        Err(maintenance::MaintenanceError::Refused(sentence)) => refused(&sentence),
        Err(other) => Err(other.into()),
    }
}

/// Copies every row from one database to another and compares them.
///
/// # Errors
/// When either database fails.
pub async fn migrate_data(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let parse = |url: &str, flag: &str| {
        crate::config::DatabaseUrl::parse(url)
            .map_err(|error| anyhow::anyhow!("--{flag} is not a database URL: {error}"))
    };
    let (source_url, target_url) = (parse(from, "from")?, parse(to, "to")?);
    if maintenance::same_database(&source_url, &target_url) {
        return refused("--from and --to name the same database; nothing was copied.");
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
        Err(maintenance::MaintenanceError::Refused(sentence)) => refused(&sentence),
        Err(other) => Err(other.into()),
    }
}

/// Writes each asked-for table of a server to its own CSV file, one row at a time.
///
/// # Errors
/// When the database or a file fails.
pub async fn export(config: &Config, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let tables = if args.what == "all" {
        ExportTable::ALL.to_vec()
    } else if let Some(table) = ExportTable::from_name(&args.what) {
        vec![table]
    } else {
        let names: Vec<&str> = ExportTable::ALL.iter().map(|table| table.name()).collect();
        return refused(&format!(
            "--what must be one of {} or all, not `{}`",
            names.join(", "),
            args.what
        ));
    };
    make_dir(&args.out)?;
    let guild = GuildId(args.guild);
    let now = Utc::now();
    let period = Period {
        since: args.days.and_then(|days| days_before(now, days)),
        until: now,
    };
    with_store(config, async |store| {
        for table in tables {
            let path = args.out.join(file_name(guild, table, None));
            let file = std::fs::File::create(&path)
                .map_err(|error| anyhow::anyhow!("could not create {}: {error}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let rows = write_csv(store, guild, table, period, &mut out).await?;
            println!("{}: {rows} rows", path.display());
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// Draws every chart of a server into PNG files. Channel names come from Discord when a token
/// is configured; without one the messages chart names channels by id.
///
/// # Errors
/// When the database, drawing or a file fails.
pub async fn charts(config: &Config, args: &ChartsArgs) -> anyhow::Result<ExitCode> {
    let guild = GuildId(args.guild);
    with_store_as_is(config, async |store| {
        if !store
            .known_guilds()
            .await?
            .iter()
            .any(|known| known.guild == guild)
        {
            return refused(&format!(
                "the database has no server {guild}; `trakker overview` lists the servers it has"
            ));
        }
        make_dir(&args.out)?;
        let channel_names = channel_names(config, guild).await;
        let settings = store.settings(guild).await?;
        let hidden = store.hidden_members(guild).await?;
        let cache = ChartCache::new(Arc::new(WrittenHours::default()));
        let now = Utc::now();
        let period_label = args
            .days
            .map_or_else(|| "all time".to_owned(), |days| format!("last {days} days"));
        for chart in Chart::EVERY {
            let request = Request {
                guild,
                chart,
                since: args.days.and_then(|days| days_before(now, days)),
                now,
                channel: None,
                period_label: period_label.clone(),
                timezone: settings.default_timezone.clone(),
                hidden: hidden.clone(),
                channel_names: channel_names.clone(),
            };
            match charts::draw(store, &cache, request).await? {
                Drawing::Picture { png, title, .. } => {
                    let path = args
                        .out
                        .join(format!("trakker-{guild}-{}.png", chart.name()));
                    std::fs::write(&path, png).map_err(|error| {
                        anyhow::anyhow!("could not write {}: {error}", path.display())
                    })?;
                    println!("{}: {title}", path.display());
                }
                Drawing::Empty(sentence) => println!("{}: no picture: {sentence}", chart.name()),
            }
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// The server's channel names from Discord, or none (said on stdout) without a token or when
/// Discord does not answer: the pictures are still drawn.
async fn channel_names(config: &Config, guild: GuildId) -> HashMap<u64, String> {
    if config.discord_token.is_none() {
        println!("channel names: no DISCORD_TOKEN, so channels are named by id");
        return HashMap::new();
    }
    match crate::discord::client::channel_names(config, guild).await {
        Ok(names) => names,
        Err(error) => {
            println!(
                "channel names: Discord did not give them ({error}), so channels are named by id"
            );
            HashMap::new()
        }
    }
}

/// Applies every server's retention now, as the bot does every hour.
///
/// # Errors
/// When the database fails; what earlier batches removed stays removed.
pub async fn retention(config: &Config) -> anyhow::Result<ExitCode> {
    let removed = with_store(config, async |store| {
        Ok(retention::apply(store, None, Utc::now()).await?)
    })
    .await?;
    if removed.is_empty() {
        println!(
            "no server has a retention set (a manager sets one with /config retention set); nothing was removed"
        );
    }
    for (guild, days, rows) in removed {
        println!(
            "server {guild}: kept the last {} days, removed {rows} rows",
            days.get()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `days` days before `now`, if the calendar reaches that far.
fn days_before(now: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
    now.checked_sub_days(chrono::Days::new(u64::from(days)))
}

/// Makes `dir` and its parents when missing.
fn make_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|error| anyhow::anyhow!("could not make the directory {}: {error}", dir.display()))
}

/// Says why a task was refused, on stderr, and gives the exit code for it.
#[expect(
    clippy::unnecessary_wraps,
    reason = "the tasks return it as their answer"
)]
fn refused(sentence: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: {sentence}");
    Ok(ExitCode::from(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes_read_as_people_write_them() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1_536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now, now - chrono::Duration::minutes(1)), "1 minute ago");
        assert_eq!(ago(now, now - chrono::Duration::hours(5)), "5 hours ago");
        assert_eq!(ago(now, now - chrono::Duration::days(3)), "3 days ago");
    }
}
