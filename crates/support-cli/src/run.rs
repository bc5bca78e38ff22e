//! [`run`]: the server built from [`Options`], served until SIGINT or SIGTERM.

use std::time::Duration;

use support_server::attachments::AttachmentLimits;
use support_server::auth::{HashingLimits, MEMORY_PER_HASH};
use support_server::blob::LocalBlobStore;
use support_server::serve::{ServeOptions, serve};
use support_server::{SESSION_PURGE_INTERVAL, SupportServer, hub, metrics, storage};

use crate::error::Error;
use crate::managers::{deactivate_managers, ensure_managers};
use crate::options::{ManagerCredentials, Options};

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
    // First: the open-file limit, raised before anything opens files.
    let (serve_options, limit_lines) = serve_options(&options);
    let storage = storage::open_with(
        &options.database,
        &storage::OpenOptions {
            postgres_pool: options.database_pool,
        },
    )
    .await?;
    let generated = ensure_managers(&storage, &options.managers, &options.manager_names).await?;
    deactivate_managers(&storage, &options.deactivate_managers).await?;
    // The URL is never logged: it may hold a password.
    let hub = hub::open(&options.hub, options.hub_channel.as_deref()).await?;
    let mut builder = SupportServer::builder()
        .shared_storage(storage)
        .shared_hub(hub)
        .legacy_anonymous_bot_api(options.legacy_anonymous_bot_api)
        .compat_line(options.compat_line)
        .health(true)
        .ready_requires_bot(options.ready_requires_bot)
        .ops_listener(options.ops_bind.is_some())
        .contract(true)
        .password_hashing(hashing_limits(options.login_memory_mib))
        .publish_timeout(Duration::from_millis(options.publish_timeout_ms))
        .event_log_capacity(options.event_log_capacity)
        .blob_store(
            LocalBlobStore::open(&options.blob_dir)
                .await
                .map_err(|e| Error::BlobDir(options.blob_dir.clone(), e))?,
        )
        .attachment_limits(AttachmentLimits {
            max_bytes: options.max_file_mib * 1024 * 1024,
            ..AttachmentLimits::default()
        });
    if !options.no_metrics {
        builder = builder.metrics(metrics::install_prometheus()?);
    }
    let bot_tokens = options.bot_tokens.iter().filter(|t| !t.is_empty()).count();
    for token in options.bot_tokens.iter().filter(|t| !t.is_empty()) {
        builder = builder.bot_token(token.clone());
    }
    for proxy in &options.trusted_proxies {
        builder = builder.trusted_proxy(*proxy);
    }
    if let Some(url) = &options.public_url {
        builder = builder.public_url(url.clone());
    }
    for host in options.allowed_hosts.iter().filter(|h| !h.is_empty()) {
        builder = builder.allowed_host(host.clone());
    }
    if bot_tokens == 0 && !options.legacy_anonymous_bot_api {
        tracing::warn!("no --bot-token given: no bot can use the REST API");
    }
    if let Some(dir) = &options.console_dir {
        builder = builder.console_assets_dir(dir.clone());
    }
    if let Some(token) = options.telegram_token.as_ref().filter(|t| !t.is_empty()) {
        builder = builder.telegram_files(token.clone(), options.telegram_api_url.clone());
    }
    let support = builder.build();
    // Expired sessions and bearer tokens: deleted now and every 10 minutes until shutdown.
    let purge = support.spawn_session_purge(SESSION_PURGE_INTERVAL);
    // Uploads never sent (older than a day) and their files: checked as often.
    let upload_purge = support.spawn_upload_purge(SESSION_PURGE_INTERVAL);
    let listener = tokio::net::TcpListener::bind(options.bind).await?;
    let addr = listener.local_addr()?;
    let ops_listener = match options.ops_bind {
        Some(ops) => Some(tokio::net::TcpListener::bind(ops).await?),
        None => None,
    };
    let ops_addr = match &ops_listener {
        Some(ops) => ops.local_addr()?,
        None => addr,
    };
    let backend = support.state().storage().backend_name();
    let hub = options.hub.split("://").next().unwrap_or_default();
    tracing::info!(%addr, backend, hub, "support server listening");
    // Printed with errors ignored: a closed stdout must not stop the server.
    for line in startup_lines(
        &addr.to_string(),
        &support.state().config().mount,
        (backend, hub),
        &Login::new(generated, &options.managers),
        bot_tokens,
    )
    .into_iter()
    .chain(limit_lines)
    .chain(ops_lines(
        &ops_addr.to_string(),
        !options.no_metrics,
        options.ready_requires_bot,
    )) {
        say(&line);
    }
    if let Some(dir) = &options.console_dir {
        say(&format!(
            "console files served from {} (debug mode: read on every request)",
            dir.display()
        ));
    }
    let app: axum::Router = support.router();
    let stopping = support.clone();
    // The operational listener, when it has its own address: the same connection limits, and
    // it stops with the main one.
    let ops_server = ops_listener.map(|ops| {
        let stopped = support.state().shutdown_token().clone();
        tokio::spawn(serve(
            ops,
            support.ops_router::<()>(),
            serve_options,
            async move { stopped.cancelled().await },
        ))
    });
    // With connect info (the login throttle counts failures per client address) and the
    // connection limits.
    serve(listener, app, serve_options, async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        stopping.begin_shutdown();
    })
    .await?;
    // The purge stops with `begin_shutdown`; let a purge in flight finish before closing.
    let _ = purge.await;
    let _ = upload_purge.await;
    if let Some(ops) = ops_server {
        let _ = ops.await;
    }
    support.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Password checks: one per core within `mib` of argon2 memory.
fn hashing_limits(mib: u64) -> HashingLimits {
    let bytes = usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    let limits = HashingLimits::from_memory_budget(bytes);
    tracing::info!(
        concurrent = limits.concurrent,
        queue = limits.queue,
        memory_mib = limits.concurrent * MEMORY_PER_HASH / (1024 * 1024),
        "password checks bounded"
    );
    limits
}

/// File descriptors kept for everything but client connections: the database, the hub, log
/// files, the ops listener.
const RESERVED_FILES: u64 = 64;

/// The connection limits, the cap lowered to fit the open-file limit, which is raised to its
/// hard limit first (the default soft limit, often 1,024, would otherwise run out long before
/// the cap); with the lines saying so, for the start-up output.
fn serve_options(options: &Options) -> (ServeOptions, Vec<String>) {
    let mut lines = Vec::new();
    let mut max = options.max_connections;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            tracing::info!(limit = files, "open-file limit raised to the hard limit");
            lines.push(format!(
                "open-file limit: {files} (raised to the hard limit)"
            ));
            let fits = files.saturating_sub(RESERVED_FILES).max(1);
            if fits < max {
                lines.push(format!(
                    "  --max-connections lowered from {max} to {fits} to fit it"
                ));
                max = fits;
            }
        }
        Err(error) => {
            tracing::warn!(%error, "the open-file limit could not be raised");
            lines.push(format!("open-file limit not raised: {error}"));
        }
    }
    lines.push(format!(
        "connections: at most {max} (more get 503); request heads within {} s; no traffic \
         for {} s closes one",
        options.header_read_timeout, options.idle_timeout
    ));
    let serve = ServeOptions {
        header_read_timeout: Duration::from_secs(options.header_read_timeout),
        idle_timeout: Duration::from_secs(options.idle_timeout),
        max_connections: usize::try_from(max).unwrap_or(usize::MAX),
    };
    (serve, lines)
}

/// How the operator logs into the console, as the start-up output says it.
#[derive(Debug)]
enum Login {
    /// `admin` was created just now with this password (printed once, never logged).
    Generated(ManagerCredentials),
    /// The managers given with `--manager` (their names; the operator knows the passwords).
    Given(Vec<String>),
    /// Managers were stored by an earlier start.
    Stored,
}

impl Login {
    fn new(generated: Option<ManagerCredentials>, given: &[ManagerCredentials]) -> Self {
        match generated {
            Some(admin) => Self::Generated(admin),
            None if !given.is_empty() => {
                Self::Given(given.iter().map(|m| m.username.clone()).collect())
            }
            None => Self::Stored,
        }
    }
}

/// What the program prints once it listens: where it is, how to log into the console, what
/// the bot needs, the health endpoints. The first line names the address (tests read it).
fn startup_lines(
    addr: &str,
    mount: &str,
    (backend, hub): (&str, &str),
    login: &Login,
    bot_tokens: usize,
) -> Vec<String> {
    let mut lines = vec![
        format!("support server listening on http://{addr} (storage: {backend}, hub: {hub})"),
        format!("manager console: http://{addr}{mount}/manager/"),
    ];
    lines.push(match login {
        Login::Generated(admin) => format!(
            "  log in as {:?} with password {:?}: generated now, printed only this once \
             (--manager USER:PASSWORD sets your own)",
            admin.username, admin.password
        ),
        Login::Given(names) => format!(
            "  log in as {} with the password given with --manager",
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Login::Stored => "  log in with a stored manager (the first start printed the generated \
                          \"admin\" password; --manager admin:NEW-PASSWORD resets it)"
            .to_owned(),
    });
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, ""));
    lines.push(match bot_tokens {
        0 => "bot: no --bot-token given, so no bot can use the REST API (but with \
              --legacy-anonymous-bot-api); the bot's BACKEND_TOKEN must equal a --bot-token"
            .to_owned(),
        n => format!(
            "bot: run it with BACKEND_HOST={host} BACKEND_PORT={port} BACKEND_SUPPORT_PATH={} \
             and BACKEND_TOKEN set to the --bot-token value{}",
            if mount.is_empty() { "/" } else { mount },
            if n == 1 { "" } else { " (one of them)" }
        ),
    });
    lines.push(format!(
        "API documents: http://{addr}{mount}/openapi.json (OpenAPI 3.1), \
         http://{addr}{mount}/schema/events.json (websocket events)"
    ));
    lines
}

/// Where health and metrics are (`addr`: `--ops-bind`'s, else the main address).
fn ops_lines(addr: &str, metrics: bool, requires_bot: bool) -> Vec<String> {
    let mut lines = vec![format!(
        "health: http://{addr}/healthz (process up), http://{addr}/readyz (storage and hub{})",
        if requires_bot {
            ", a connected bot"
        } else {
            ""
        }
    )];
    if metrics {
        lines.push(format!("metrics: http://{addr}/metrics (Prometheus)"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(username: &str, password: &str) -> ManagerCredentials {
        ManagerCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    #[test]
    fn the_startup_output_says_how_to_log_in_and_what_the_bot_needs() {
        let admin = Login::new(Some(credentials("admin", "Pw123")), &[]);
        let lines = startup_lines("127.0.0.1:8000", "/support", ("sqlite", "local"), &admin, 1);
        assert_eq!(
            lines,
            [
                "support server listening on http://127.0.0.1:8000 (storage: sqlite, hub: local)",
                "manager console: http://127.0.0.1:8000/support/manager/",
                "  log in as \"admin\" with password \"Pw123\": generated now, printed only this \
                 once (--manager USER:PASSWORD sets your own)",
                "bot: run it with BACKEND_HOST=127.0.0.1 BACKEND_PORT=8000 \
                 BACKEND_SUPPORT_PATH=/support and BACKEND_TOKEN set to the --bot-token value",
                "API documents: http://127.0.0.1:8000/support/openapi.json (OpenAPI 3.1), \
                 http://127.0.0.1:8000/support/schema/events.json (websocket events)",
            ]
        );
        assert_eq!(
            ops_lines("127.0.0.1:9000", true, false),
            [
                "health: http://127.0.0.1:9000/healthz (process up), \
                 http://127.0.0.1:9000/readyz (storage and hub)",
                "metrics: http://127.0.0.1:9000/metrics (Prometheus)",
            ]
        );
        let no_metrics = ops_lines("a:1", false, true);
        assert_eq!(no_metrics.len(), 1);
        assert!(no_metrics[0].ends_with("(storage and hub, a connected bot)"));

        let anna = Login::new(None, &[credentials("anna", "secret")]);
        let given = startup_lines("a:1", "", ("memory", "local"), &anna, 0);
        assert_eq!(
            given[2],
            "  log in as \"anna\" with the password given with --manager"
        );
        assert!(given[3].contains("no --bot-token"), "{}", given[3]);
        assert!(!given.concat().contains("secret"));
        let stored = startup_lines("a:1", "", ("memory", "local"), &Login::new(None, &[]), 2);
        assert!(stored[2].contains("--manager admin:"), "{}", stored[2]);
        assert!(stored[3].contains("(one of them)"), "{}", stored[3]);
    }
}
