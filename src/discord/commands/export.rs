//! /export: a server's tables as CSV files for its managers, sent privately. Large exports are
//! read and sent one file at a time, each below Discord's upload limit.

use chrono::Days;
use poise::serenity_prelude as serenity;
use poise::ChoiceParameter as _;

use crate::discord::{checks, reply, CommandError, Context};
use crate::exports::{file_name, Parts, Period};
use crate::store::exports::ExportTable;

/// The largest file sent: Discord takes 10 MiB per upload from a bot; the rest is headroom for
/// the request around it.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// The most files one export sends before it stops and says so.
const MAX_PARTS: usize = 10;

/// The longest period, in days: ten years.
const MAX_DAYS: i64 = 3_650;

/// The export option.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum ExportChoice {
    /// Every kill ledger entry.
    #[name = "kill ledger"]
    Ledger,
    /// Each player's kills and team kills.
    #[name = "player totals"]
    Players,
    /// Squad sessions.
    #[name = "sessions"]
    Sessions,
    /// Stays in voice channels.
    #[name = "voice stays"]
    Voice,
    /// Messages, reactions, emojis and commands per day and member.
    #[name = "daily activity"]
    Daily,
    /// Joins with their invite and inviter.
    #[name = "invites"]
    Invites,
}

impl From<ExportChoice> for ExportTable {
    fn from(choice: ExportChoice) -> Self {
        match choice {
            ExportChoice::Ledger => Self::Ledger,
            ExportChoice::Players => Self::Players,
            ExportChoice::Sessions => Self::Sessions,
            ExportChoice::Voice => Self::Voice,
            ExportChoice::Daily => Self::Daily,
            ExportChoice::Invites => Self::Invites,
        }
    }
}

/// Download this server's data as CSV files (managers only; sent to you alone).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn export(
    ctx: Context<'_>,
    #[description = "What to export"] what: ExportChoice,
    #[description = "Only the last this many days, 1 to 3650 (default: everything)"]
    #[min = 1]
    #[max = 3650]
    days: Option<i64>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let settings = ctx.data().store.settings(guild).await?;
    checks::require_manager(&checks::caller(ctx), &settings)?;
    let now = ctx.data().now();
    let since = match days {
        None => None,
        Some(days) if (1..=MAX_DAYS).contains(&days) => {
            now.checked_sub_days(Days::new(days.unsigned_abs()))
        }
        Some(_) => {
            return Err(CommandError::user(format!(
                "The period must be 1 to {MAX_DAYS} days; leave it out to export everything."
            )))
        }
    };
    reply::defer_as(ctx, true).await?;
    let table = ExportTable::from(what);
    let period = Period { since, until: now };
    let mut parts = Parts::new(ctx.data().store.as_ref(), guild, table, period, PART_BYTES);
    let mut sent = 0;
    let mut rows = 0;
    while let Some(part) = parts.next_part().await? {
        sent += 1;
        rows += part.rows;
        let split = sent > 1 || parts.has_more();
        let name = file_name(guild, table, split.then_some(sent));
        let text = if parts.has_more() {
            format!("Part {sent}: {rows} rows so far…")
        } else {
            format!(
                "{} — {rows} rows{}, as of <t:{}:f>.",
                what.name(),
                if sent > 1 { format!(" in {sent} files") } else { String::new() },
                now.timestamp()
            )
        };
        let file = serenity::CreateAttachment::bytes(part.bytes, name);
        reply::send(ctx, reply::private().content(text).attachment(file)).await?;
        if sent == MAX_PARTS && parts.has_more() {
            return Err(CommandError::user(format!(
                "The export stopped after {MAX_PARTS} files of up to 8 MiB ({rows} rows): choose \
                 fewer days, or ask the operator to run `trakker export`, which has no limit."
            )));
        }
    }
    Ok(())
}
