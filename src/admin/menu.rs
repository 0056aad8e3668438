//! `trakker admin`: the routine tasks of [`crate::admin`] in a menu driven with the arrow keys
//! (dialoguer), for an operator at a terminal. Each entry asks only what its task needs (a
//! server picked from a list, a file or directory with a default), runs the same function as
//! the task's subcommand, and comes back to the menu; a failed task is reported and the menu
//! stays. Without a terminal it refuses at once and names the subcommands to use instead.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};
use tokio::runtime::Runtime;

use crate::config::Config;
use crate::store::exports::ExportTable;

/// Why the menu did not open, and what to run instead.
pub const NEEDS_A_TERMINAL: &str = "trakker admin opens a menu and needs a terminal; in a \
    script run the task's own subcommand: trakker overview, trakker check-config, trakker \
    migrate, trakker backup FILE, trakker export --guild ID, trakker charts --guild ID, trakker \
    retention (trakker help COMMAND says more).";

/// The menu's entries, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Overview,
    CheckConfig,
    Migrate,
    Backup,
    Export,
    Charts,
    Retention,
    Quit,
}

impl Entry {
    const ALL: [Self; 8] = [
        Self::Overview,
        Self::CheckConfig,
        Self::Migrate,
        Self::Backup,
        Self::Export,
        Self::Charts,
        Self::Retention,
        Self::Quit,
    ];

    const fn label(self) -> &'static str {
        match self {
            Self::Overview => "Overview of every server (members, rows, last activity, size)",
            Self::CheckConfig => "Check the configuration",
            Self::Migrate => "Apply database migrations",
            Self::Backup => "Back up the database to a file",
            Self::Export => "Export a server's data as CSV",
            Self::Charts => "Render every chart of a server to PNG files",
            Self::Retention => "Apply every server's retention now",
            Self::Quit => "Quit",
        }
    }
}

/// Runs the menu until the operator quits (the Quit entry, Esc or q).
///
/// # Errors
/// When the terminal cannot be read or written.
pub fn run(runtime: &Runtime, config: &Config) -> anyhow::Result<ExitCode> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        eprintln!("error: {NEEDS_A_TERMINAL}");
        return Ok(ExitCode::from(2));
    }
    let theme = ColorfulTheme::default();
    let labels: Vec<&str> = Entry::ALL.iter().map(|entry| entry.label()).collect();
    let mut last = 0;
    loop {
        let choice = Select::with_theme(&theme)
            .with_prompt("trakker admin: choose a task (arrow keys and Enter; Esc or q quits)")
            .items(&labels)
            .default(last)
            .interact_opt()?;
        let Some(index) = choice else { break };
        last = index;
        let entry = Entry::ALL[index];
        if entry == Entry::Quit {
            break;
        }
        match perform(runtime, config, &theme, entry) {
            Ok(()) => {}
            Err(error) => eprintln!("error: {error:#}"),
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks what `entry` needs and runs its task.
fn perform(
    runtime: &Runtime,
    config: &Config,
    theme: &ColorfulTheme,
    entry: Entry,
) -> anyhow::Result<()> {
    let today = chrono::Utc::now().format("%Y-%m-%d");
    match entry {
        Entry::Overview => {
            runtime.block_on(super::overview(config))?;
        }
        Entry::CheckConfig => {
            runtime.block_on(super::check_config(config));
        }
        Entry::Migrate => {
            runtime.block_on(super::migrate(config))?;
        }
        Entry::Backup => {
            let file: String = Input::with_theme(theme)
                .with_prompt("Write the backup to")
                .default(format!("trakker-backup-{today}.jsonl"))
                .interact_text()?;
            runtime.block_on(super::backup(config, file.as_ref()))?;
        }
        Entry::Export => {
            let Some(guild) = pick_server(runtime, config, theme)? else {
                return Ok(());
            };
            let mut whats = vec!["all"];
            whats.extend(ExportTable::ALL.iter().map(|table| table.name()));
            let what = Select::with_theme(theme)
                .with_prompt("What to export")
                .items(&whats)
                .default(0)
                .interact()?;
            let out: String = Input::with_theme(theme)
                .with_prompt("Into the directory")
                .default(format!("trakker-export-{guild}"))
                .interact_text()?;
            let args = super::ExportArgs {
                guild,
                what: whats[what].to_owned(),
                days: None,
                out: out.into(),
            };
            runtime.block_on(super::export(config, &args))?;
        }
        Entry::Charts => {
            let Some(guild) = pick_server(runtime, config, theme)? else {
                return Ok(());
            };
            let out: String = Input::with_theme(theme)
                .with_prompt("Into the directory")
                .default(format!("trakker-charts-{guild}"))
                .interact_text()?;
            let args = super::ChartsArgs {
                guild,
                days: None,
                out: out.into(),
            };
            runtime.block_on(super::charts(config, &args))?;
        }
        Entry::Retention => {
            let sure = Confirm::with_theme(theme)
                .with_prompt("Remove every server's activity older than its retention now?")
                .default(false)
                .interact()?;
            if sure {
                runtime.block_on(super::retention(config))?;
            } else {
                println!("nothing was removed");
            }
        }
        Entry::Quit => {}
    }
    Ok(())
}

/// A server picked from the database's list; `None` when there is none or the operator backed
/// out with Esc.
fn pick_server(
    runtime: &Runtime,
    config: &Config,
    theme: &ColorfulTheme,
) -> anyhow::Result<Option<u64>> {
    let guilds = runtime.block_on(super::with_store_as_is(config, async |store| {
        Ok(store.known_guilds().await?)
    }))?;
    if guilds.is_empty() {
        println!("no servers yet (the bot records a server when it joins one)");
        return Ok(None);
    }
    let names: Vec<String> = guilds
        .iter()
        .map(|guild| format!("{} ({})", guild.name, guild.guild))
        .collect();
    let picked = Select::with_theme(theme)
        .with_prompt("Which server (Esc goes back)")
        .items(&names)
        .default(0)
        .interact_opt()?;
    Ok(picked.map(|index| guilds[index].guild.0))
}
