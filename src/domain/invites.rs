//! Invite attribution: which invite brought a member in, told from the use counts before and
//! after the join. Never guessed: when the counts do not single out one invite, the join is
//! recorded as "could not tell".

use chrono::{DateTime, Utc};

use super::ids::{ChannelId, UserId};

/// A guild invite as Discord reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRecord {
    /// The code (`discord.gg/<code>`).
    pub code: String,
    /// Who created it, when Discord says.
    pub inviter_id: Option<UserId>,
    /// The channel it leads to.
    pub channel_id: Option<ChannelId>,
    /// How many times it was used.
    pub uses: u64,
    /// The most uses allowed; 0 is unlimited.
    pub max_uses: u64,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
}

/// How a member came in, as far as the bot could tell. Never guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinSource {
    /// Through this invite, whose use count rose by one.
    Invite {
        /// The code.
        code: String,
        /// Its creator, when known.
        inviter_id: Option<UserId>,
    },
    /// Through the guild's vanity URL.
    Vanity,
    /// The bot could not tell (several counts rose, none did, or invites cannot be read).
    Unknown,
}

/// One member's join as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRecord {
    /// Who joined.
    pub user_id: UserId,
    /// When.
    pub joined_at: DateTime<Utc>,
    /// How.
    pub source: JoinSource,
    /// When they left, if they did.
    pub left_at: Option<DateTime<Utc>>,
}

/// Compares the invites stored before a join with the ones Discord lists after it.
///
/// One invite whose uses rose by exactly one, and nothing else changed, is the one. An invite
/// that disappeared after reaching its last use counts as rising by one too (Discord deletes it
/// then). Anything else — nothing rose, several rose, one rose by two — is [`JoinSource::Unknown`].
#[must_use]
pub fn attribute(before: &[InviteRecord], after: &[InviteRecord]) -> JoinSource {
    let mut risen = Vec::new();
    for old in before {
        match after.iter().find(|new| new.code == old.code) {
            Some(new) if new.uses > old.uses => risen.push((new, new.uses - old.uses)),
            None if old.max_uses != 0 && old.uses + 1 == old.max_uses => risen.push((old, 1)),
            Some(_) | None => {}
        }
    }
    for new in after {
        if new.uses > 0 && !before.iter().any(|old| old.code == new.code) {
            // Created and used between two snapshots (its INVITE_CREATE not seen yet).
            risen.push((new, new.uses));
        }
    }
    match risen.as_slice() {
        [(invite, 1)] => JoinSource::Invite {
            code: invite.code.clone(),
            inviter_id: invite.inviter_id,
        },
        _ => JoinSource::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::UserId;

    fn invite(code: &str, inviter: u64, uses: u64, max_uses: u64) -> InviteRecord {
        InviteRecord {
            code: code.to_owned(),
            inviter_id: Some(UserId(inviter)),
            channel_id: None,
            uses,
            max_uses,
            created_at: None,
        }
    }

    #[test]
    fn the_invite_whose_count_rose_by_one_gets_the_join() {
        let before = [invite("ada", 1, 3, 0), invite("bob", 2, 0, 0)];
        let after = [invite("ada", 1, 3, 0), invite("bob", 2, 1, 0)];
        assert_eq!(
            attribute(&before, &after),
            JoinSource::Invite {
                code: "bob".to_owned(),
                inviter_id: Some(UserId(2))
            }
        );
    }

    #[test]
    fn two_rising_invites_or_none_cannot_be_told_apart() {
        let before = [invite("ada", 1, 0, 0), invite("bob", 2, 0, 0)];
        let both = [invite("ada", 1, 1, 0), invite("bob", 2, 1, 0)];
        assert_eq!(attribute(&before, &both), JoinSource::Unknown);
        assert_eq!(attribute(&before, &before), JoinSource::Unknown);
        let by_two = [invite("ada", 1, 2, 0), invite("bob", 2, 0, 0)];
        assert_eq!(attribute(&before, &by_two), JoinSource::Unknown);
    }

    #[test]
    fn a_single_use_invite_that_vanished_was_used_up() {
        let before = [invite("once", 3, 0, 1)];
        assert_eq!(
            attribute(&before, &[]),
            JoinSource::Invite {
                code: "once".to_owned(),
                inviter_id: Some(UserId(3))
            }
        );
        let revoked = [invite("spare", 3, 0, 5)];
        assert_eq!(
            attribute(&revoked, &[]),
            JoinSource::Unknown,
            "deleted, not used up"
        );
    }
}
