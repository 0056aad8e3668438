//! End-to-end tests of fakecord: a real serenity client (`client`), raw gateway frames
//! (`protocol`, and big guilds' members in `members`) through a raw client (`raw`), users'
//! actions (`people`), reactions read back and what happens while the bot is away
//! (`reactions`), channels that deny the bot permissions (`permissions`), message nonces
//! (`nonces`), rate limits (`ratelimits`), fakecord's answers held to Discord's OpenAPI spec
//! (`spec`) and the `fakecord` binary (`binary`), sharing the helpers in `support`.

mod binary;
mod client;
mod members;
mod nonces;
mod people;
mod permissions;
mod protocol;
mod ratelimits;
mod raw;
mod reactions;
mod spec;
mod support;
