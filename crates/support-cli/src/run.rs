//! [`run`]: the server built from [`Options`], served until SIGINT or SIGTERM.

use std::net::SocketAddr;

use support_server::{SESSION_PURGE_INTERVAL, SupportServer, hub, storage};

use crate::error::Error;
use crate::managers::{deactivate_managers, ensure_managers};
use crate::options::Options;

/// Writes a line to stdout, ignoring a closed or broken stdout.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
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
pub async fn run(options: Options) -> Result<(), Error> {
    // A mistyped --console-dir fails now rather than as a 500 on every page load.
    if let Some(dir) = &options.console_dir
        && !dir.join("index.html").is_file()
    {
        return Err(Error::ConsoleDir(dir.clone()));
    }
    let storage = storage::open(&options.database).await?;
    let generated = ensure_managers(&storage, &options.managers).await?;
    deactivate_managers(&storage, &options.deactivate_managers).await?;
    // The URL is never logged: it may hold a password.
    let hub = hub::open(&options.hub, options.hub_channel.as_deref()).await?;
    let mut builder = SupportServer::builder()
        .shared_storage(storage)
        .shared_hub(hub)
        .legacy_anonymous_bot_api(options.legacy_anonymous_bot_api);
    for token in options.bot_tokens.iter().filter(|t| !t.is_empty()) {
        builder = builder.bot_token(token.clone());
    }
    for proxy in &options.trusted_proxies {
        builder = builder.trusted_proxy(*proxy);
    }
    if options.bot_tokens.is_empty() && !options.legacy_anonymous_bot_api {
        tracing::warn!("no --bot-token given: no bot can use the REST API");
    }
    if let Some(dir) = &options.console_dir {
        builder = builder.console_assets_dir(dir.clone());
    }
    let support = builder.build();
    // Expired sessions and bearer tokens: deleted now and every 10 minutes until shutdown.
    let purge = support.spawn_session_purge(SESSION_PURGE_INTERVAL);
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
    // The purge stops with `begin_shutdown`; let a purge in flight finish before closing.
    let _ = purge.await;
    support.close().await;
    tracing::info!("stopped");
    Ok(())
}
