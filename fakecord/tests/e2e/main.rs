//! End-to-end tests of fakecord: a real serenity client (`client`) and raw gateway frames
//! (`protocol`) through a raw client (`raw`), users' actions (`people`), fakecord's answers
//! held to Discord's OpenAPI spec (`spec`) and the `fakecord` binary (`binary`), sharing the
//! helpers in `support`.

mod binary;
mod client;
mod people;
mod protocol;
mod raw;
mod spec;
mod support;
