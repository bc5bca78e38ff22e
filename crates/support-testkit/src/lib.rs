//! # support-testkit
//!
//! What the workspace's integration tests share, in one place (not published):
//!
//! | module | what |
//! |---|---|
//! | [`server`] | [`TestServer`]: the real support server on loopback (memory, SQLite or any storage), its REST, manager and bot helpers |
//! | [`ws`] | websocket clients and their expectations (`recv_type`, `silent`, `close_code`, ...) |
//! | [`services`] | the Postgres and Redis the tests may use (`SUPPORT_TEST_POSTGRES_URL`, `SUPPORT_TEST_REDIS_URL`), and `CI` |
//! | [`postgres`] | [`PgSchema`]: a throwaway Postgres schema, dropped afterwards even when the test fails |
//! | [`backends`] | [`backends`](backends::backends): every storage backend available here, fresh |
//! | [`migrations`] | a host application's own sqlx migrations, to share a database with ours |
//! | [`telegram`] | [`FakeTelegram`]: a fake Telegram Bot API over HTTP, recording every call |
//! | [`browser`] | [`Driver`] and [`Browser`]: chromedriver and a headless Chromium session |
//! | [`proxy`] | [`Proxy`]: a TCP proxy whose connections a test cuts, recording request lines |
//!
//! Services are optional on a laptop: without `SUPPORT_TEST_POSTGRES_URL` (or Redis's variable,
//! or chromedriver) the tests that need them print that they are skipped. With the variable set
//! (and always for the browser when `CI` is set) an unreachable service fails the test.

pub mod backends;
pub mod browser;
pub mod golden;
pub mod migrations;
pub mod original;
pub mod postgres;
pub mod proxy;
pub mod server;
pub mod services;
pub mod telegram;
pub mod ws;

pub use browser::{Browser, Driver, Screen};
pub use postgres::PgSchema;
pub use proxy::Proxy;
pub use server::{As, BOT_TOKEN, TestServer, delivery_policy, png};
pub use telegram::{Call, FakeFile, FakeTelegram, Inject, UserMessage};
pub use ws::Ws;

use std::time::Duration;

/// How long a test waits for something that must happen. Generous, as CI machines are slow and
/// busy; a correct server answers in milliseconds.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test waits for a websocket event that must arrive.
pub const EVENT_WAIT: Duration = Duration::from_secs(5);
/// How long a test listens to conclude that nothing (more) arrives.
pub const SILENCE: Duration = Duration::from_millis(300);
/// How often a polled condition is checked.
pub const POLL: Duration = Duration::from_millis(100);

/// A name that no other test (nor a concurrent run) uses: `prefix` and 16 random hex digits.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::random::<u64>())
}
