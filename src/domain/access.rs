//! Who may do what: managers, trackers, and the undo window. Checked on the server for every
//! command, whatever Discord's client showed, since a forged interaction can claim anything but
//! the permissions Discord computed for it.

use chrono::{DateTime, Duration, Utc};

use super::ids::{RoleId, UserId};
use super::kills::LedgerEntry;

/// How long after recording an entry its author may undo it themselves.
pub const UNDO_WINDOW: Duration = Duration::minutes(15);

/// What the interaction says about the member who ran a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The user.
    pub user_id: UserId,
    /// Whether Discord computed Manage Server (or Administrator) for them.
    pub manage_guild: bool,
    /// Their roles in the guild.
    pub roles: Vec<RoleId>,
}

/// Who may record kills with /track, as the guild configured it (see `/config tracker-role`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrackerAccess {
    /// Every member.
    #[default]
    Everyone,
    /// Members with this role, and managers.
    Role(RoleId),
    /// Managers only (Manage Server or the admin role).
    Managers,
}

impl Caller {
    /// Whether they may use manager commands: Manage Server, or the configured admin role.
    #[must_use]
    pub fn is_manager(&self, admin_role: Option<RoleId>) -> bool {
        self.manage_guild || admin_role.is_some_and(|role| self.roles.contains(&role))
    }

    /// Whether they may record kills under `rule`.
    #[must_use]
    pub fn may_track(&self, rule: TrackerAccess, admin_role: Option<RoleId>) -> bool {
        match rule {
            TrackerAccess::Everyone => true,
            TrackerAccess::Role(tracker) => {
                self.roles.contains(&tracker) || self.is_manager(admin_role)
            }
            TrackerAccess::Managers => self.is_manager(admin_role),
        }
    }
}

/// Whether `caller` may undo `entry` at `now`: a manager any entry; anyone else only their own,
/// within [`UNDO_WINDOW`].
///
/// # Errors
/// The sentence telling them why not.
pub fn check_undo(
    entry: &LedgerEntry,
    caller: UserId,
    is_manager: bool,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if !entry.counts() {
        return Err(format!("Entry #{} is already undone.", entry.id));
    }
    if is_manager {
        return Ok(());
    }
    if entry.recorded_by != caller {
        return Err(format!(
            "Entry #{} was recorded by someone else; only a manager can undo it.",
            entry.id
        ));
    }
    if now - entry.recorded_at > UNDO_WINDOW {
        return Err(format!(
            "Entry #{} is older than {} minutes; ask a manager to undo it.",
            entry.id,
            UNDO_WINDOW.num_minutes()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ids::{ChannelId, GuildId};
    use crate::domain::kills::KillKind;

    const ADA: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const REFS: RoleId = RoleId(50);
    const ADMINS: RoleId = RoleId(60);

    fn caller(manage_guild: bool, roles: &[RoleId]) -> Caller {
        Caller {
            user_id: ADA,
            manage_guild,
            roles: roles.to_vec(),
        }
    }

    fn entry_by(author: UserId, at: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            id: 9,
            guild_id: GuildId(1),
            player_id: author,
            kind: KillKind::Kill,
            count: 2,
            victim_id: None,
            note: None,
            recorded_by: author,
            recorded_at: at,
            channel_id: ChannelId(3),
            game: None,
            session_id: None,
            season_id: None,
            undone_at: None,
            undone_by: None,
        }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 20, minute, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn managers_have_manage_server_or_the_admin_role() {
        assert!(caller(true, &[]).is_manager(None));
        assert!(caller(false, &[ADMINS]).is_manager(Some(ADMINS)));
        assert!(!caller(false, &[REFS]).is_manager(Some(ADMINS)));
        assert!(!caller(false, &[ADMINS]).is_manager(None));
    }

    #[test]
    fn the_tracker_rule_decides_who_may_track() {
        let member = caller(false, &[]);
        let referee = caller(false, &[REFS]);
        let manager = caller(true, &[]);
        assert!(member.may_track(TrackerAccess::Everyone, None));
        assert!(!member.may_track(TrackerAccess::Role(REFS), None));
        assert!(referee.may_track(TrackerAccess::Role(REFS), None));
        assert!(manager.may_track(TrackerAccess::Role(REFS), None));
        assert!(!referee.may_track(TrackerAccess::Managers, None));
        assert!(manager.may_track(TrackerAccess::Managers, None));
    }

    #[test]
    fn ada_undoes_her_own_entry_within_fifteen_minutes_only() {
        let entry = entry_by(ADA, at(0));
        assert!(check_undo(&entry, ADA, false, at(15)).is_ok());
        let late = check_undo(&entry, ADA, false, at(16)).expect_err("too late");
        assert!(late.contains("older than 15 minutes"), "{late}");
    }

    #[test]
    fn only_a_manager_undoes_someone_elses_entry_at_any_time() {
        let entry = entry_by(BOB, at(0));
        assert!(check_undo(&entry, ADA, false, at(1)).is_err());
        assert!(check_undo(&entry, ADA, true, at(59)).is_ok());
    }

    #[test]
    fn an_undone_entry_cannot_be_undone_again() {
        let mut entry = entry_by(ADA, at(0));
        entry.undone_at = Some(at(1));
        assert!(check_undo(&entry, ADA, true, at(2))
            .expect_err("done")
            .contains("already undone"));
    }
}
