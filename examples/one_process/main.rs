//! One binary, one port: the support server and the bot, in webhook mode, in one axum app.
//!
//! ```sh
//! TELOXIDE_TOKEN=123:abc WEBHOOK_URL=https://bot.example.com/telegram/webhook \
//!     SUPPORT_MANAGER=anna:change-me cargo run --example one_process --features sqlite,bot
//! ```
//!
//! Telegram posts each update to `WEBHOOK_URL` (HTTPS on port 443, 80, 88 or 8443: put a
//! reverse proxy in front, forwarding to `SUPPORT_BIND`); the same port serves the support REST
//! API and console (`/support/...`), the websockets (`/ws/support/...`) and the health checks
//! (`/healthz`, `/readyz`). The bot talks to its own server over loopback, with the same client
//! and push listener as a bot in another process (`examples/bot.rs`, long polling), so nothing
//! here is a protocol of its own. The variables are those of the program (`SUPPORT_*`), of the
//! long-polling bot (`SUPPORT_DIALOGUE_DB`) and of teloxide (`TELOXIDE_TOKEN`, and
//! `TELOXIDE_API_URL` for a local Bot API server), plus `WEBHOOK_URL`, `WEBHOOK_PATH` and
//! `WEBHOOK_SECRET`: see `config.rs`.
//!
//! SIGINT (Ctrl-C) or SIGTERM stops it gracefully, in this order: the dispatcher takes no new
//! update (Telegram gets a 503 and retries after the restart) and finishes the ones in flight,
//! while the HTTP server still serves them; then push stops; then the support server closes its
//! websockets (1001), the HTTP server drains its requests, and the storage is flushed. A second
//! signal ends the process at once.

mod config;
mod webhook;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use chatlabs_support::bot::{
    Languages, PushListener, SupportClient, SupportConfig, SupportOptions, SupportStorage, Texts,
};
use chatlabs_support::server::auth::create_or_update_manager;
use chatlabs_support::server::storage::{self, DynStorage};
use chatlabs_support::server::{SESSION_PURGE_INTERVAL, SupportServer};
use teloxide::dispatching::dialogue::serializer::Json;
use teloxide::dispatching::dialogue::{SqliteStorage, Storage};
use teloxide::dispatching::{ShutdownToken, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use tokio::sync::oneshot;

use crate::config::Config;

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs on stderr; stdout carries the start-up lines an operator (and the test) reads.
    // tungstenite traces the push websocket's handshake request, bearer token included: capped
    // at debug, so even `RUST_LOG=trace` prints no secret.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info".into())
        .add_directive("tungstenite::handshake=debug".parse()?);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let config = Config::from_env()?;
    // `Debug` redacts the secrets.
    tracing::debug!(?config, "configuration");
    // Installed first, so a signal during start-up is honoured once it is done.
    let mut stop_requested = signals();

    // The support server, on SQLite by default (`SUPPORT_DATABASE`, as the program reads it).
    let storage = storage::open(config.database.expose())
        .await
        .context("SUPPORT_DATABASE: opening the storage")?;
    ensure_managers(&storage, &config).await?;
    let mut builder = SupportServer::builder()
        .shared_storage(storage)
        .bot_token(config.support_token.expose())
        .health(true);
    for proxy in &config.trusted_proxies {
        builder = builder.trusted_proxy(*proxy);
    }
    let support = builder.build();
    let purge = support.spawn_session_purge(SESSION_PURGE_INTERVAL);

    // The bot. `get_me` before the port opens: a wrong token or an unreachable Bot API stops
    // the start here, before any update is accepted that nobody would then handle.
    let bot = Bot::from_env();
    bot.get_me()
        .await
        .context("getMe: is TELOXIDE_TOKEN right and the Bot API reachable?")?;

    // The users' support dialogues, opened before the port too: what can fail fails before
    // anything runs that would need stopping.
    let dialogues: SupportStorage = SqliteStorage::open(&config.dialogue_db, Json)
        .await
        .context("SUPPORT_DIALOGUE_DB: opening the dialogue storage")?
        .erase();

    // One listener, one app: support's routes and the webhook's, side by side.
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("SUPPORT_BIND: binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let (updates, webhook_route) = webhook::route(addr, &config);
    let app: axum::Router = support.router().merge(webhook_route);
    let (stop_http, http_stopped) = oneshot::channel::<()>();
    // Connect info lets the login throttle count failures per client address.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = http_stopped.await;
    });
    let server = tokio::spawn(async move { server.await });
    // The webhook's path is not shown: it may be a secret one (see `Config`'s `Debug`).
    say(&format!(
        "listening on http://{addr}: the Telegram webhook (WEBHOOK_PATH), support at /support/, \
         health at /healthz"
    ));

    // The bot's side of support, talking to this very port over loopback (a client that
    // cannot fail here: every part of its configuration was checked already).
    let client = SupportClient::new(loopback_config(addr, &config)?)?;
    let languages = Languages::default();
    let tree: UpdateHandler<HandlerError> = dptree::entry()
        .branch(chatlabs_support::bot::handler())
        .branch(host_handlers());
    let options = SupportOptions::default().back_callback("host:menu");
    let deps = chatlabs_support::bot::dependencies(
        client.clone(),
        languages.clone(),
        options,
        dialogues.clone(),
    );
    let mut dispatcher = Dispatcher::builder(bot.clone(), tree)
        .dependencies(deps)
        .build();
    let stop_dispatcher = dispatcher.shutdown_token();
    let mut dispatching = tokio::spawn(async move {
        dispatcher
            .try_dispatch_with_listener(
                updates,
                LoggingErrorHandler::with_custom_text("webhook listener"),
            )
            .await
    });

    // Telegram is told once the dispatcher is on its way and the port serves.
    let registered = webhook::register(&bot, &config).await;
    let push = tokio::spawn(PushListener::new(bot, client, languages, dialogues).run());
    let outcome = match registered {
        Err(error) => Err(anyhow::Error::new(error).context("setWebhook")),
        Ok(()) => {
            tracing::info!(
                secret = if config.webhook_secret_generated {
                    "generated"
                } else {
                    "WEBHOOK_SECRET"
                },
                "webhook set"
            );
            tokio::select! {
                _ = &mut stop_requested => Ok(()),
                ended = &mut dispatching => Err(anyhow::anyhow!("the dispatcher stopped: {ended:?}")),
            }
        }
    };

    // The shutdown, in order (see the top of the file).
    tracing::info!("stopping");
    if !dispatching.is_finished() {
        stop(&stop_dispatcher, &mut dispatching).await;
    }
    // Push stops where it is: a reply it was sending is settled by the server's lease, as after
    // a crash (marked failed as unconfirmed, never sent twice); there is no graceful stop to
    // call.
    push.abort();
    support.begin_shutdown();
    let _ = stop_http.send(());
    server.await?.context("the HTTP server")?;
    // The purge ends with `begin_shutdown`; a purge in flight finishes before the storage closes.
    let _ = purge.await;
    support.close().await;
    tracing::info!("stopped");
    outcome
}

/// The managers of `SUPPORT_MANAGER`, created or updated (and active); a warning when there is
/// none at all, as nobody could then log into the console.
async fn ensure_managers(storage: &DynStorage, config: &Config) -> anyhow::Result<()> {
    for m in &config.managers {
        let record = create_or_update_manager(storage, &m.username, m.password.expose(), "", "")
            .await
            .context("SUPPORT_MANAGER")?;
        if !record.active {
            storage.set_manager_active(&record.username, true).await?;
        }
    }
    if storage.count_managers().await? == 0 {
        tracing::warn!("no manager: set SUPPORT_MANAGER=USER:PASSWORD to log into the console");
    }
    Ok(())
}

/// The bot's client of the server in this process: the bound address (loopback when bound to
/// every interface), the default mount, the server's bot token.
fn loopback_config(addr: SocketAddr, config: &Config) -> anyhow::Result<SupportConfig> {
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[{}]", Ipv6Addr::LOCALHOST),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    Ok(SupportConfig::builder()
        .host(host)
        .port(addr.port())
        .token(config.support_token.expose())
        .build()?)
}

/// A receiver that resolves on the first SIGINT or SIGTERM (a container's stop); a second one
/// ends the process at once, for an operator who will not wait for a slow drain.
fn signals() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        signal().await;
        let _ = tx.send(());
        signal().await;
        tracing::warn!("second signal: exiting now");
        std::process::exit(130);
    });
    rx
}

async fn signal() {
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

/// Stops the dispatcher and waits until the updates in flight are handled (its task ends).
/// Teloxide refuses while the dispatcher is idle, which it is until it has called `getMe` and
/// starts listening: a stop asked during that moment is asked again shortly, unless the task
/// ends on its own meanwhile (`getMe` failed). The task's end is what is awaited, not the future
/// `shutdown` returns: that one may miss teloxide's `notify_waiters` and never resolve.
async fn stop<T>(token: &ShutdownToken, dispatching: &mut tokio::task::JoinHandle<T>) {
    while token.shutdown().is_err() {
        tokio::select! {
            _ = &mut *dispatching => return,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let _ = dispatching.await;
}

/// Writes a line to stdout, ignoring a closed stdout (it must not stop the server).
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The host's own main menu, with the support button beside its own.
fn main_menu(texts: &Texts) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![InlineKeyboardButton::callback(
            "🛒 Catalogue",
            "host:catalog",
        )],
        vec![chatlabs_support::bot::support_button(texts)],
    ])
}

/// Everything support does not take (as in the long-polling example): any message gets the
/// host's menu; its buttons answer.
fn host_handlers() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(
            |bot: Bot, texts: Texts, msg: Message| async move {
                bot.send_message(msg.chat.id, "Main menu")
                    .reply_markup(main_menu(&texts))
                    .await?;
                Ok(())
            },
        ))
        .branch(Update::filter_callback_query().endpoint(
            |bot: Bot, texts: Texts, q: CallbackQuery| async move {
                bot.answer_callback_query(q.id.clone()).await?;
                if let Some(message) = q.regular_message() {
                    let text = match q.data.as_deref() {
                        Some("host:catalog") => "The catalogue is empty.",
                        _ => "Main menu",
                    };
                    bot.send_message(message.chat.id, text)
                        .reply_markup(main_menu(&texts))
                        .await?;
                }
                Ok(())
            },
        ))
}
