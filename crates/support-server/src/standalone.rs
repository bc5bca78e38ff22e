//! The complete support server as a program: flags and environment variables of SPEC section 8,
//! storage chosen by URL, graceful shutdown. `examples/server.rs` is a thin wrapper around
//! [`run`], so the same server can be installed as a binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;

use crate::SupportServer;
use crate::hub::{DynHub, HubError, LocalHub};
use crate::storage::{DynStorage, MemoryStorage, StorageError};

/// Command-line options; each also reads an environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "support-server",
    about = "chatlabs-support server: REST API, websockets and console"
)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "SUPPORT_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,
    /// Storage: `sqlite://PATH` (or a plain path), `postgres://...`, or `memory:`.
    #[arg(long, env = "SUPPORT_DATABASE", default_value = "sqlite://support.db")]
    pub database: String,
    /// Event hub: `local` (this process only), or a broker shared by several instances on one
    /// database \[S3\]: `postgres://...` (LISTEN/NOTIFY) or `redis://...` (pub/sub).
    #[arg(long, env = "SUPPORT_HUB", default_value = "local")]
    pub hub: String,
    /// The broker channel of `--hub` (default `support_events` on Postgres, `support:events`
    /// on Redis): deployments sharing one broker or database use different channels.
    #[arg(long, env = "SUPPORT_HUB_CHANNEL")]
    pub hub_channel: Option<String>,
    /// A bot bearer token \[A2\]; repeatable (the variable takes a comma-separated list).
    #[arg(long = "bot-token", env = "SUPPORT_BOT_TOKEN", value_delimiter = ',')]
    pub bot_tokens: Vec<String>,
    /// Let tokenless clients (the Python aiogram bot) use the bot REST API (SPEC A3).
    #[arg(long, env = "SUPPORT_LEGACY_ANONYMOUS_BOT_API")]
    pub legacy_anonymous_bot_api: bool,
    /// Create or update a manager, `USER:PASSWORD`; repeatable (the variable takes a
    /// comma-separated list). With none and no manager stored yet, one named `admin` is created
    /// with a random password, printed once.
    #[arg(long = "manager", env = "SUPPORT_MANAGER", value_delimiter = ',', value_parser = parse_manager)]
    pub managers: Vec<ManagerCredentials>,
    /// Console development: serve the console's page and assets from this directory (a
    /// checkout's `crates/support-server/console`), read on every request, instead of the copies
    /// built into the program; edit a file and reload the page.
    #[arg(long, env = "SUPPORT_CONSOLE_DIR")]
    pub console_dir: Option<PathBuf>,
}

/// A `--manager USER:PASSWORD` value. `Debug` hides the password.
#[derive(Clone)]
pub struct ManagerCredentials {
    /// The login name.
    pub username: String,
    /// The password (never logged).
    pub password: String,
}

impl std::fmt::Debug for ManagerCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:<redacted>", self.username)
    }
}

fn parse_manager(value: &str) -> Result<ManagerCredentials, String> {
    match value.split_once(':') {
        Some((user, password)) if !user.trim().is_empty() && !password.is_empty() => {
            Ok(ManagerCredentials {
                username: user.trim().to_owned(),
                password: password.to_owned(),
            })
        }
        _ => Err("expected USER:PASSWORD with a non-empty user and password".to_owned()),
    }
}

/// Creates or updates the managers given on the command line; with none given and none stored,
/// creates `admin` with a random password and returns it (to print once).
pub async fn ensure_managers(
    storage: &DynStorage,
    managers: &[ManagerCredentials],
) -> Result<Option<ManagerCredentials>, StandaloneError> {
    for m in managers {
        crate::auth::create_or_update_manager(storage, &m.username, &m.password, "", "").await?;
        tracing::info!(username = %m.username, "manager created or updated");
    }
    if managers.is_empty() && storage.count_managers().await? == 0 {
        use rand::Rng;
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        crate::auth::create_or_update_manager(storage, "admin", &password, "", "").await?;
        return Ok(Some(ManagerCredentials {
            username: "admin".to_owned(),
            password,
        }));
    }
    Ok(None)
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StandaloneError {
    /// The `--database` value is not a storage this build supports.
    #[error("--database {0:?}: {1}")]
    Database(String, String),
    /// The `--hub` value is not a hub this build supports.
    #[error("--hub {0:?}: {1}")]
    HubUrl(String, String),
    /// The event hub's broker could not be reached.
    #[error("connecting the event hub failed: {0}")]
    Hub(#[from] HubError),
    /// The storage failed to open.
    #[error("opening the storage failed: {0}")]
    Storage(#[from] StorageError),
    /// The `--console-dir` directory holds no console.
    #[error("--console-dir {0:?}: no index.html there (expected crates/support-server/console)")]
    ConsoleDir(PathBuf),
    /// Binding or serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a line to stdout, ignoring a closed or broken stdout.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Opens the storage a `--database` value names.
pub async fn open_storage(database: &str) -> Result<DynStorage, StandaloneError> {
    let unsupported = |why: &str| StandaloneError::Database(redact(database), why.to_owned());
    if database == "memory:" || database == "memory" {
        return Ok(Arc::new(MemoryStorage::new()));
    }
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(
            crate::storage::PostgresStorage::connect(database).await?,
        ));
        #[cfg(not(feature = "postgres"))]
        return Err(unsupported(
            "this build has no Postgres support (feature `postgres`)",
        ));
    }
    #[cfg(feature = "sqlite")]
    {
        let _ = unsupported;
        Ok(Arc::new(
            crate::storage::SqliteStorage::open(database).await?,
        ))
    }
    #[cfg(not(feature = "sqlite"))]
    Err(unsupported(
        "this build has no SQLite support (feature `sqlite`)",
    ))
}

/// Opens the event hub a `--hub` value names. The value is never logged: it may hold a password.
pub async fn open_hub(hub: &str, channel: Option<&str>) -> Result<DynHub, StandaloneError> {
    let unsupported = |why: &str| StandaloneError::HubUrl(redact(hub), why.to_owned());
    #[cfg(not(any(feature = "postgres", feature = "redis")))]
    let _ = channel;
    if hub == "local" {
        return Ok(Arc::new(LocalHub::new(crate::hub::DEFAULT_CAPACITY)));
    }
    if hub.starts_with("postgres://") || hub.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(
            crate::hub::PgHub::connect_url(
                hub,
                channel.unwrap_or(crate::hub::DEFAULT_PG_CHANNEL),
                crate::hub::DEFAULT_CAPACITY,
            )
            .await?,
        ));
        #[cfg(not(feature = "postgres"))]
        return Err(unsupported(
            "this build has no Postgres support (feature `postgres`)",
        ));
    }
    if hub.starts_with("redis://")
        || hub.starts_with("rediss://")
        || hub.starts_with("redis+unix://")
    {
        #[cfg(feature = "redis")]
        return Ok(Arc::new(
            crate::hub::RedisHub::connect(
                hub,
                channel.unwrap_or(crate::hub::DEFAULT_REDIS_CHANNEL),
                crate::hub::DEFAULT_CAPACITY,
            )
            .await?,
        ));
        #[cfg(not(feature = "redis"))]
        return Err(unsupported(
            "this build has no Redis support (feature `redis`)",
        ));
    }
    Err(unsupported(
        "expected `local`, `postgres://...` or `redis://...`",
    ))
}

/// A URL with its password (if any) replaced by `***`, for error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<not a URL>".to_owned(),
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Builds the server from `options`, serves until SIGINT/SIGTERM, then shuts down gracefully:
/// stops accepting, finishes in-flight requests, closes websockets, flushes the storage.
pub async fn run(options: Options) -> Result<(), StandaloneError> {
    // A mistyped --console-dir fails now rather than as a 500 on every page load.
    if let Some(dir) = &options.console_dir
        && !dir.join("index.html").is_file()
    {
        return Err(StandaloneError::ConsoleDir(dir.clone()));
    }
    let storage = open_storage(&options.database).await?;
    let generated = ensure_managers(&storage, &options.managers).await?;
    let hub = open_hub(&options.hub, options.hub_channel.as_deref()).await?;
    let mut builder = SupportServer::builder()
        .shared_storage(storage)
        .shared_hub(hub)
        .legacy_anonymous_bot_api(options.legacy_anonymous_bot_api);
    for token in options.bot_tokens.iter().filter(|t| !t.is_empty()) {
        builder = builder.bot_token(token.clone());
    }
    if options.bot_tokens.is_empty() && !options.legacy_anonymous_bot_api {
        tracing::warn!("no --bot-token given: no bot can use the REST API");
    }
    if let Some(dir) = &options.console_dir {
        builder = builder.console_assets_dir(dir.clone());
    }
    let support = builder.build();
    let listener = tokio::net::TcpListener::bind(options.bind).await?;
    let addr = listener.local_addr()?;
    let backend = support.state().storage().backend_name();
    let hub = options.hub.split("://").next().unwrap_or_default();
    tracing::info!(%addr, backend, hub, "support server listening");
    // Printed with errors ignored: a closed stdout must not stop the server.
    say(&format!(
        "support server listening on http://{addr} (storage: {backend}, hub: {hub})"
    ));
    let mount = &support.state().config().mount;
    say(&format!("manager console: http://{addr}{mount}/manager/"));
    if let Some(dir) = &options.console_dir {
        say(&format!(
            "console files served from {} (debug mode: read on every request)",
            dir.display()
        ));
    }
    if let Some(admin) = generated {
        // Printed once, to the terminal only (never to the log): the operator needs it to log in.
        say(&format!(
            "created manager {:?} with password {:?} (change it with --manager)",
            admin.username, admin.password
        ));
    }
    let app: axum::Router = support.router();
    let stopping = support.clone();
    // Connect info lets the login throttle count failures per client address.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        stopping.begin_shutdown();
    })
    .await?;
    support.close().await;
    tracing::info!("stopped");
    Ok(())
}
