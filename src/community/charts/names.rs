//! Who a chart may show and by which name: display names for members, "former member" for those
//! who left (or were never recorded), and nobody who is a bot or hidden.

use std::collections::{HashMap, HashSet};

use crate::domain::ids::UserId;
use crate::store::charts::DirectoryEntry;

/// How a member who left is shown.
pub const FORMER_MEMBER: &str = "former member";

/// The names and visibility of a server's members for one chart.
#[derive(Clone, Debug, Default)]
pub struct Names {
    present: HashMap<UserId, String>,
    left_out: HashSet<UserId>,
}

impl Names {
    /// The directory as a chart sees it: bots and `hidden` members are left out.
    #[must_use]
    pub fn new(directory: Vec<DirectoryEntry>, hidden: &[UserId]) -> Self {
        let mut names = Self {
            present: HashMap::new(),
            left_out: hidden.iter().copied().collect(),
        };
        for entry in directory {
            if entry.is_bot {
                names.left_out.insert(entry.user);
            } else if !entry.left {
                names.present.insert(entry.user, entry.display_name);
            }
        }
        names
    }

    /// Whether `user` may appear in the chart.
    #[must_use]
    pub fn shown(&self, user: UserId) -> bool {
        !self.left_out.contains(&user)
    }

    /// The name `user` is shown by.
    #[must_use]
    pub fn label(&self, user: UserId) -> &str {
        self.present
            .get(&user)
            .map_or(FORMER_MEMBER, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: u64, name: &str, is_bot: bool, left: bool) -> DirectoryEntry {
        DirectoryEntry {
            user: UserId(user),
            display_name: name.to_owned(),
            is_bot,
            left,
        }
    }

    #[test]
    fn members_by_name_leavers_as_former_members_bots_and_hidden_left_out() {
        let names = Names::new(
            vec![
                entry(1, "Ada", false, false),
                entry(2, "Bob", false, true),
                entry(3, "Trakker", true, false),
                entry(4, "Cleo", false, false),
            ],
            &[UserId(4)],
        );
        assert_eq!(names.label(UserId(1)), "Ada");
        assert_eq!(names.label(UserId(2)), FORMER_MEMBER);
        assert_eq!(names.label(UserId(9)), FORMER_MEMBER);
        assert!(names.shown(UserId(1)) && names.shown(UserId(2)) && names.shown(UserId(9)));
        assert!(!names.shown(UserId(3)), "bots never appear");
        assert!(!names.shown(UserId(4)), "hidden members never appear");
    }
}
