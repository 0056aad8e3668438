//! End-to-end tests of fakecord: a real serenity client (`client`) and raw gateway frames
//! (`protocol`), users' actions (`people`), sharing the helpers in `support`.

mod client;
mod people;
mod protocol;
mod support;
