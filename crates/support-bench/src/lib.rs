//! # support-bench
//!
//! A load generator for any server speaking the chatlabs-support protocol: this workspace's
//! server, or the Python original (Django + channels). The `loadgen` binary is a thin wrapper
//! around [`runner::run`]; `BENCHMARKS.md` at the repository root has the commands and results.
//!
//! | module | what |
//! |---|---|
//! | [`target`] | [`Target`]: base URL, mount point, bot token |
//! | [`http`] | [`http::Conn`]: one keep-alive HTTP/1.1 connection per simulated client |
//! | [`auth`] | manager login: our JSON login, our bearer token, or the Django admin form |
//! | [`ws`] | manager websocket connections (tokio-tungstenite) |
//! | [`rest`] | (a) message POST throughput and latency at a given concurrency |
//! | [`e2e`] | (b) REST message POST → assigned manager's websocket event |
//! | [`fanout`] | (c) `ticket.created` to N managers, (d) memory per idle socket |
//! | [`uploads`] | (e) many large attachment uploads at once, with the server's peak memory |
//! | [`search`] | (f) the console's search over a seeded history (100,000 messages) |
//! | [`desk_stats`] | (g) the console's views and their counts over 100,000 tickets |
//! | [`attach_load`] | (h) message POSTs with attachments (metadata only) beside plain text |
//! | [`acks`] | (i) delivery acknowledgements of manager replies by bots |
//! | [`compare`] | the ratio table of the Python original beside this server |
//! | [`disk`] | the fsync probe: what one durable commit costs on this disk |
//! | [`procfs`] | RSS, CPU time and load average from `/proc` |
//! | [`spawn`] | the server under test (or the no-op ceiling) as a subprocess; a scenario's own server |
//! | [`noop`] | the no-op axum server: the ceiling of this machine |
//! | [`stats`] | latency percentiles |
//! | [`report`] | the JSON report and the printed table |
//! | [`runner`] | a whole run, scenario by scenario, every step bounded in time |
//!
//! Every run is bounded in time and connections, and talks to loopback only.

pub mod acks;
pub mod attach_load;
pub mod auth;
pub mod compare;
pub mod desk_stats;
pub mod disk;
pub mod e2e;
pub mod fanout;
pub mod http;
pub mod noop;
pub mod procfs;
pub mod report;
pub mod rest;
pub mod runner;
pub mod search;
pub mod spawn;
pub mod stats;
pub mod target;
pub mod uploads;
pub mod ws;

pub use target::Target;
