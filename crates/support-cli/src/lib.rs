//! # chatlabs-support-server
//!
//! The complete chatlabs-support server as a program: the `support-server` router (REST API,
//! websockets, manager console) on a storage and an event hub chosen by URL, configured by flags
//! and environment variables, with a graceful shutdown on SIGINT/SIGTERM.
//!
//! ```sh
//! cargo install --path crates/support-cli   # from a checkout of the workspace
//! chatlabs-support-server --database sqlite://support.db --manager anna:secret --bot-token T
//! ```
//!
//! The binary (`src/main.rs`) only sets up logging and calls [`run`]; the logic lives here so
//! tests reach it. A host app that mounts the router in its own server needs none of this:
//! `support_server::storage::open` and `support_server::hub::open` pick a storage and a hub by
//! URL without clap.
//!
//! | file | what |
//! |---|---|
//! | `options.rs` | [`Options`], the flags and their environment variables |
//! | `manager_args.rs` | the `--manager` and `--manager-name` values ([`ManagerCredentials`], [`ManagerName`]) |
//! | `managers.rs` | [`ensure_managers`]: the `--manager` accounts, or a generated `admin`; [`deactivate_managers`] |
//! | `run.rs` | [`run`]: build, serve, shut down gracefully on [`shutdown_signal`] |
//! | `error.rs` | [`Error`], why the program stopped |
//!
//! Features (all on by default) choose which URLs the program accepts: `sqlite`, `postgres`,
//! `redis`; `memory:` and `local` always work.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod manager_args;
mod managers;
mod options;
mod run;

pub use error::Error;
pub use managers::{deactivate_managers, ensure_managers};
pub use options::{LogFormat, ManagerCredentials, ManagerName, Options};
pub use run::{run, shutdown_signal};

/// Sets up logging: to stderr (stdout carries the start-up lines an operator reads), `RUST_LOG`
/// when set, else `info`; as text, coloured only when stderr is a terminal, or as one JSON
/// object per line ([`LogFormat::Json`]) for a log collector. Each line of a request carries its
/// `request_id` (the span `support_server::request_id` opens).
pub fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().init(),
    }
}
