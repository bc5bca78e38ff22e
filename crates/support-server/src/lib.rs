//! # support-server
//!
//! The server half of chatlabs-support: an axum `Router` a host app mounts, with the REST API the
//! bot talks to, the manager websocket, manager authentication and the manager console.
//!
//! Start from [`SupportServer::builder`]:
//!
//! | module | what |
//! |---|---|
//! | [`storage`] | the [`Storage`](storage::Storage) trait; SQLite, Postgres and memory backends; [`storage::open`] by URL |
//! | [`hub`] | the [`EventHub`](hub::EventHub): events to websocket connections on every instance; [`hub::open`] by URL |
//! | [`attachments`] | files, locations and contacts in messages: upload and download routes, their limits |
//! | [`blob`] | [`BlobStore`](blob::BlobStore): attachments' bytes, content-addressed and streamed; a local directory |
//! | [`auth`] | manager authentication ([`ManagerAuth`](auth::ManagerAuth)) and bot tokens |
//! | [`request_id`] | the `x-request-id` of every request, in its responses and log lines |
//! | [`ws`] | the manager and bot websockets (their limits and close codes) |
//! | [`delivery`] | manager replies' delivery to Telegram: [`DeliveryPolicy`](delivery::DeliveryPolicy) |
//! | [`directory`] | [`UserDirectory`](directory::UserDirectory): which Telegram users may open tickets |
//! | [`config`] | [`SupportConfig`](config::SupportConfig) |
//! | [`error`] | [`ApiError`](error::ApiError), the JSON errors clients see |
//! | [`console`] | the manager web console, embedded assets served at `{mount}/manager/` |
//! | [`health`] | `/healthz` and `/readyz`, opt-in ([`SupportServerBuilder::health`]) |
//! | [`metrics`] | the series the server records; Prometheus `/metrics`, opt-in (feature `prometheus`) |
//! | [`contract`] | the OpenAPI document and the websocket events' JSON Schema, generated from the types; served opt-in ([`SupportServerBuilder::contract`]) |
//! | [`serve`] | serving the router with connection limits `axum::serve` lacks: header-read and idle timeouts, a connection cap |
//!
//! Features: `sqlite` (default: `SqliteStorage`), `postgres` (`PostgresStorage`, `PgHub`),
//! `redis` (`RedisHub`), `prometheus` (the Prometheus recorder and `/metrics`), `test-util` (the storage conformance suite). With none, the memory
//! storage and the in-process hub remain.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
pub mod attachments;
pub mod auth;
pub mod blob;
mod compat;
pub mod config;
pub mod console;
pub mod contract;
pub mod delivery;
pub mod directory;
pub mod error;
pub mod health;
pub mod hub;
pub mod metrics;
mod redact;
pub mod request_id;
mod router;
pub mod serve;
mod server;
mod state;
pub mod storage;
pub mod ws;

pub use api::SERVER_HEADER_VALUE;
pub use compat::{CompatLine, UnknownLine};
pub use server::{SESSION_PURGE_INTERVAL, SupportServer, SupportServerBuilder};
pub use state::AppState;
pub use support_protocol as protocol;

/// The crate README's examples, compiled as doc tests.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
