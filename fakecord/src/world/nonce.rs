//! Message nonces: the `nonce` a bot may send with a new message, echoed back as Discord does,
//! and with `enforce_nonce` the way to find the message it already made with it.

use serde_json::{json, Value};

use super::{StoredMessage, World};
use crate::snowflake::Snowflake;

/// Discord's limit on a string nonce.
pub(crate) const MAX_NONCE_LEN: usize = 25;

/// A message nonce as the bot sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Nonce {
    Text(String),
    Number(i64),
}

/// Why Discord would refuse a nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NonceProblem {
    TooLong,
    NotStringOrInteger,
}

impl Nonce {
    /// The body's `nonce`: absent or `null` is none; otherwise a string of at most
    /// [`MAX_NONCE_LEN`] characters or a 64-bit integer.
    pub(crate) fn from_body(value: Option<&Value>) -> Result<Option<Self>, NonceProblem> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.chars().count() > MAX_NONCE_LEN => {
                Err(NonceProblem::TooLong)
            }
            Some(Value::String(text)) => Ok(Some(Self::Text(text.clone()))),
            Some(number) => number
                .as_i64()
                .map(|n| Some(Self::Number(n)))
                .ok_or(NonceProblem::NotStringOrInteger),
        }
    }

    /// Whether two nonces are the same, whichever way each was sent: Discord keeps nonces as
    /// text, so `123` and `"123"` match.
    pub(crate) fn matches(&self, other: &Self) -> bool {
        self.text() == other.text()
    }

    fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(n) => n.to_string(),
        }
    }

    /// As it goes back to the bot: the way it came.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Self::Text(text) => json!(text),
            Self::Number(n) => json!(n),
        }
    }
}

impl World {
    /// The newest message `author` created with `nonce`, in any channel, among those minted at
    /// or after `since` (the id of the window's first millisecond): Discord matches an enforced
    /// nonce by author, not by channel ("if another message was created by the same author with
    /// the same nonce, that message will be returned"). Deleted messages are not found: a send
    /// after a deletion makes a new message.
    pub(crate) fn message_with_nonce(
        &self,
        author: Snowflake,
        nonce: &Nonce,
        since: Snowflake,
    ) -> Option<&StoredMessage> {
        self.messages
            .values()
            .filter(|m| m.id >= since && !m.deleted && m.author_id == author)
            .filter(|m| m.nonce.as_ref().is_some_and(|n| n.matches(nonce)))
            .max_by_key(|m| m.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: Snowflake = Snowflake(1);
    const CHANNEL: Snowflake = Snowflake(10);

    /// A world where the bot sent the "who plays when" post with nonce `board-2024-06-01` at
    /// the millisecond `at` (as an id).
    fn world_with_board(at: u64) -> World {
        let mut world = World::new(BOT, "trakker", "app-owner", Snowflake(2));
        let mut board = StoredMessage::new(Snowflake(at), CHANNEL, None, BOT, String::new());
        board.nonce = Some(Nonce::Text("board-2024-06-01".into()));
        world.insert_message(board);
        world
    }

    fn text(nonce: &str) -> Nonce {
        Nonce::Text(nonce.into())
    }

    #[test]
    fn the_same_nonce_finds_the_board_within_the_window() {
        let world = world_with_board(1000);
        let found = world.message_with_nonce(BOT, &text("board-2024-06-01"), Snowflake(500));
        assert_eq!(found.map(|m| m.id), Some(Snowflake(1000)));
        assert!(
            world
                .message_with_nonce(BOT, &text("board-2024-06-02"), Snowflake(500))
                .is_none(),
            "tomorrow's nonce is another post"
        );
        let mut elsewhere =
            StoredMessage::new(Snowflake(1200), Snowflake(11), None, BOT, String::new());
        elsewhere.nonce = Some(text("board-2024-06-01"));
        let mut world = world;
        world.insert_message(elsewhere);
        assert_eq!(
            world
                .message_with_nonce(BOT, &text("board-2024-06-01"), Snowflake(500))
                .map(|m| m.id),
            Some(Snowflake(1200)),
            "Discord matches by author: the same nonce in another channel finds that message"
        );
        assert!(
            world
                .message_with_nonce(Snowflake(3), &text("board-2024-06-01"), Snowflake(500))
                .is_none(),
            "another author"
        );
    }

    #[test]
    fn an_older_or_deleted_board_is_not_found() {
        let mut world = world_with_board(1000);
        let nonce = text("board-2024-06-01");
        assert!(
            world
                .message_with_nonce(BOT, &nonce, Snowflake(1001))
                .is_none(),
            "minted before the window"
        );
        world
            .message_mut(Snowflake(1000))
            .expect("the board")
            .deleted = true;
        assert!(world
            .message_with_nonce(BOT, &nonce, Snowflake(500))
            .is_none());
    }

    #[test]
    fn nonces_are_strings_of_25_or_integers() {
        assert_eq!(Nonce::from_body(None), Ok(None));
        assert_eq!(Nonce::from_body(Some(&Value::Null)), Ok(None));
        assert_eq!(
            Nonce::from_body(Some(&json!(42))),
            Ok(Some(Nonce::Number(42)))
        );
        assert_eq!(
            Nonce::from_body(Some(&json!("x".repeat(26)))),
            Err(NonceProblem::TooLong)
        );
        assert_eq!(
            Nonce::from_body(Some(&json!(1.5))),
            Err(NonceProblem::NotStringOrInteger)
        );
        assert!(Nonce::Number(42).matches(&text("42")));
    }
}
