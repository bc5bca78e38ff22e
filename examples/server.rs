//! The complete support server: REST, websockets and console on SQLite at 127.0.0.1:8000.
//!
//! ```sh
//! cargo run --release --example server -- --bind 127.0.0.1:8000 --database sqlite://support.db --bot-token T
//! ```
//!
//! Every flag also reads an environment variable (`SUPPORT_BIND`, `SUPPORT_DATABASE`,
//! `SUPPORT_BOT_TOKEN`, `SUPPORT_LEGACY_ANONYMOUS_BOT_API`); `--help` lists them.

use clap::Parser;
use support_server::standalone::{Options, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    run(Options::parse()).await?;
    Ok(())
}
