//! # chatlabs-support
//!
//! Human customer support for Telegram bots, in Rust: a re-creation of the Python package
//! `chatlabs-support` (an aiogram bot part plus a Django Channels app), wire-compatible with it.
//!
//! This crate is a facade over the member crates of the workspace; pick what you need with cargo
//! features:
//!
//! | feature     | module                                      | crate              | Python extra                 |
//! |-------------|---------------------------------------------|--------------------|------------------------------|
//! | `protocol`  | [`protocol`] (default)                      | `support-protocol` | (shared)                     |
//! | `schema`    | `protocol::schema` (JSON Schemas of the wire types) | `support-protocol` |                   |
//! | `server`    | `server` (memory storage, in-process hub)   | `support-server`   | `[chatlabs_django_support]`  |
//! | `sqlite`    | `server::storage::SqliteStorage`            | `support-server`   |                              |
//! | `postgres`  | `server::storage::PostgresStorage`, `server::hub::PgHub` | `support-server` |                 |
//! | `redis`     | `server::hub::RedisHub`                     | `support-server`   |                              |
//! | `test-util` | `server::storage::conformance`              | `support-server`   |                              |
//! | `bot`       | `bot`                                       | `support-bot`      | `[chatlabs_aiogram_support]` |
//! | `full`      | all of the above but `test-util`            |                    |                              |
//!
//! The backend features (`sqlite`, `postgres`, `redis`, `test-util`) turn on `server` and the
//! same feature of `support-server`, so a host depends on this crate alone:
//! `chatlabs-support = { version = "0.1", features = ["server", "postgres", "redis"] }`.
//!
//! ```
//! use chatlabs_support::protocol::{ServerEvent, TicketId};
//!
//! let event: ServerEvent =
//!     serde_json::from_str(r#"{"type": "ticket.assigned", "id": 16, "support_manager": 1}"#).unwrap();
//! assert!(matches!(event, ServerEvent::TicketAssigned(a) if a.id == TicketId::new(16)));
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "protocol")]
#[cfg_attr(docsrs, doc(cfg(feature = "protocol")))]
#[doc(inline)]
pub use support_protocol as protocol;

#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
#[doc(inline)]
pub use support_server as server;

#[cfg(feature = "bot")]
#[cfg_attr(docsrs, doc(cfg(feature = "bot")))]
#[doc(inline)]
pub use support_bot as bot;

/// The README's examples, compiled and run as doc tests. They need the features their
/// dependency lines name, and nothing from this crate's dev-dependencies.
#[cfg(all(
    doctest,
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "bot"
))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
