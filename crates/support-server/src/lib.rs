//! # support-server
//!
//! The server half of chatlabs-support: an axum `Router` a host app nests, with the REST API the
//! bot talks to, the manager websocket, manager authentication and the manager console.
//!
//! | module | what |
//! |---|---|
//! | [`storage`] | the [`Storage`](storage::Storage) trait; SQLite, Postgres and memory backends |
//! | [`hub`] | the [`EventHub`](hub::EventHub): events to websocket connections on every instance |
//! | [`auth`] | manager authentication ([`ManagerAuth`](auth::ManagerAuth)) and bot tokens |
pub mod auth;
pub mod hub;
pub mod storage;

pub use support_protocol as protocol;
