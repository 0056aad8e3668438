//! End-to-end tests of fakecord: a real serenity client (`client`), raw gateway frames
//! (`protocol`, and big guilds' members in `members`) through a raw client (`raw`), users'
//! actions (`people`), fakecord's answers held to Discord's OpenAPI spec (`spec`) and the
//! `fakecord` binary (`binary`), sharing the helpers in `support`.

mod binary;
mod client;
mod members;
mod people;
mod protocol;
mod raw;
mod spec;
mod support;
