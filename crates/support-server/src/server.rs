//! [`SupportServer`]: configure once, then mount its [`Router`](axum::Router) into the host app.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use support_protocol::Timestamp;

use crate::auth::{BuiltinAuth, ManagerAuth};
use crate::blob::BlobStore;
use crate::config::{SupportConfig, normalize_prefix};
use crate::directory::{AcceptAll, UserDirectory};
use crate::hub::{DynHub, EventHub, LocalHub, SequencedHub};
use crate::state::{AppState, Inner};
use crate::storage::{DynStorage, MemoryStorage, Storage};

/// How often the program purges expired sessions and tokens
/// ([`SupportServer::spawn_session_purge`]): every 10 minutes.
pub const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// A configured support server: storage, event hub, authentication and routes.
///
/// ```
/// use axum::{Router, routing::get};
/// use support_server::SupportServer;
/// use support_server::storage::MemoryStorage;
///
/// let support = SupportServer::builder()
///     .storage(MemoryStorage::new())
///     .bot_token("bot-secret")
///     .build();
/// // REST at /support/..., websockets at /ws/support/..., beside the host's own routes.
/// let app: Router = Router::new()
///     .route("/", get(|| async { "my app" }))
///     .merge(support.router());
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct SupportServer {
    state: AppState,
}

impl SupportServer {
    /// Starts configuring a server.
    pub fn builder() -> SupportServerBuilder {
        SupportServerBuilder::default()
    }

    /// The routes (REST under the mount point, websockets under the websocket prefix), ready to
    /// `merge` into any host `Router<S>`.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        crate::router::build(self.state.clone())
    }

    /// The operational routes turned on ([`SupportServerBuilder::health`],
    /// `SupportServerBuilder::metrics`), for a listener of their own; also in [`Self::router`]
    /// unless [`SupportServerBuilder::ops_listener`] moved them here only.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use support_server::SupportServer;
    ///
    /// let support = SupportServer::builder().health(true).ops_listener(true).build();
    /// let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// tokio::spawn(axum::serve(ops, support.ops_router::<()>()).into_future());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ops_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        crate::router::ops(self.state.clone())
    }

    /// The shared state (storage, hub, configuration).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Begins a graceful shutdown: websockets close with 1001. Call [`Self::close`] once the
    /// HTTP server has drained.
    pub fn begin_shutdown(&self) {
        self.state.shutdown_token().cancel();
    }

    /// Spawns the purge of expired login sessions and bearer tokens: once now, then every
    /// `every` ([`SESSION_PURGE_INTERVAL`] is a good value), until [`Self::begin_shutdown`].
    /// Call it from inside a Tokio runtime; the program does. Expired sessions are refused
    /// anyway, so a host that never calls it only keeps dead rows. A failed purge is logged
    /// and retried at the next tick.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use support_server::{SESSION_PURGE_INTERVAL, SupportServer};
    ///
    /// let support = SupportServer::builder().build();
    /// let purge = support.spawn_session_purge(SESSION_PURGE_INTERVAL);
    /// support.begin_shutdown();
    /// purge.await.unwrap();
    /// # }
    /// ```
    pub fn spawn_session_purge(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let storage = self.state.storage().clone();
        let shutdown = self.state.shutdown_token().clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = ticks.tick() => {}
                }
                match storage.delete_expired_sessions(Timestamp::now()).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::debug!(purged, "expired login sessions deleted"),
                    Err(error) => tracing::warn!(%error, "purging expired login sessions failed"),
                }
            }
        })
    }

    /// Starts the task that deletes uploads no message claimed within
    /// [`AttachmentLimits::unsent_ttl`](crate::attachments::AttachmentLimits::unsent_ttl), and
    /// the blobs no attachment uses any more, every `every`; it ends at shutdown.
    pub fn spawn_upload_purge(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let state = self.state.clone();
        tokio::spawn(async move {
            let shutdown = state.shutdown_token().clone();
            let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = ticks.tick() => {}
                }
                let deleted = crate::attachments::purge::purge_once(&state).await;
                if deleted > 0 {
                    tracing::debug!(deleted, "unused blobs of unsent uploads deleted");
                }
            }
        })
    }

    /// Flushes and closes the storage.
    pub async fn close(&self) {
        self.state.storage().close().await;
    }
}

/// Builds a [`SupportServer`]; every part has a default (memory storage, in-process hub, the
/// built-in manager authentication [`BuiltinAuth`] over that storage, every Telegram user
/// accepted).
#[derive(Default)]
pub struct SupportServerBuilder {
    storage: Option<DynStorage>,
    hub: Option<DynHub>,
    manager_auth: Option<Arc<dyn ManagerAuth>>,
    builtin_auth: Option<BuiltinAuth>,
    directory: Option<Arc<dyn UserDirectory>>,
    blobs: Option<Arc<dyn BlobStore>>,
    config: SupportConfig,
}

impl SupportServerBuilder {
    /// The storage backend.
    pub fn storage(mut self, storage: impl Storage) -> Self {
        self.storage = Some(Arc::new(storage));
        self
    }

    /// The storage backend, already shared.
    pub fn shared_storage(mut self, storage: DynStorage) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The event hub (default: in-process [`LocalHub`]).
    pub fn hub(mut self, hub: impl EventHub) -> Self {
        self.hub = Some(Arc::new(hub));
        self
    }

    /// The event hub, already shared.
    pub fn shared_hub(mut self, hub: DynHub) -> Self {
        self.hub = Some(hub);
        self
    }

    /// The built-in manager authentication with its own settings (it must use the same storage
    /// as the server). Without any `manager_auth`, a [`BuiltinAuth`] over the server's storage
    /// is used.
    pub fn builtin_auth(mut self, auth: BuiltinAuth) -> Self {
        self.manager_auth = Some(Arc::new(auth.clone()));
        self.builtin_auth = Some(auth);
        self
    }

    /// How managers authenticate \[A1\] (replaces the built-in authentication and its login
    /// routes; use [`crate::auth::NoManagers`] for a bot-only server).
    pub fn manager_auth(mut self, auth: impl ManagerAuth) -> Self {
        self.manager_auth = Some(Arc::new(auth));
        self.builtin_auth = None;
        self
    }

    /// How managers authenticate, already shared.
    pub fn shared_manager_auth(mut self, auth: Arc<dyn ManagerAuth>) -> Self {
        self.manager_auth = Some(auth);
        self.builtin_auth = None;
        self
    }

    /// Which Telegram users may open tickets (default: [`AcceptAll`]).
    pub fn user_directory(mut self, directory: impl UserDirectory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }

    /// The REST mount point (default `/support`).
    pub fn mount(mut self, mount: &str) -> Self {
        self.config.mount = normalize_prefix(mount);
        self
    }

    /// The websocket prefix (default `/ws/support`).
    pub fn ws_prefix(mut self, prefix: &str) -> Self {
        self.config.ws_prefix = normalize_prefix(prefix);
        self
    }

    /// Adds a bot bearer token \[A2\].
    pub fn bot_token(mut self, token: impl Into<String>) -> Self {
        self.config.bot_tokens.push(token.into());
        self
    }

    /// Lets tokenless clients use the bot REST API (the Python aiogram bot) \[A3\].
    pub fn legacy_anonymous_bot_api(mut self, enabled: bool) -> Self {
        self.config.legacy_anonymous_bot_api = enabled;
        self
    }

    /// Trusts another origin for cookie-authenticated requests.
    pub fn trusted_origin(mut self, origin: impl Into<String>) -> Self {
        self.config.trusted_origins.push(origin.into());
        self
    }

    /// A reverse proxy whose `X-Forwarded-For` the login throttle believes (see
    /// [`SupportConfig::trusted_proxies`]); repeatable.
    pub fn trusted_proxy(mut self, proxy: std::net::IpAddr) -> Self {
        self.config.trusted_proxies.push(proxy);
        self
    }

    /// The public base URL the paging links are built from (e.g. `https://support.example.com`,
    /// with a path prefix if a proxy adds one); the request's `Host` is then not used. See
    /// [`SupportConfig::public_url`].
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.config.public_url = Some(url.into());
        self
    }

    /// A host the paging links may take from the request's `Host` (Django's `ALLOWED_HOSTS`
    /// rules); repeatable. See [`SupportConfig::allowed_hosts`].
    pub fn allowed_host(mut self, host: impl Into<String>) -> Self {
        self.config.allowed_hosts.push(host.into());
        self
    }

    /// The largest request body, in bytes (default 64 KiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The console's debug mode: serve its page and assets from `dir` (a checkout's
    /// `crates/support-server/console/`), read on every request, so edits show on reload.
    pub fn console_assets_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.console_assets_dir = Some(dir.into());
        self
    }

    /// How replies are delivered to Telegram (leases, retries, backoff).
    pub fn delivery(mut self, policy: crate::delivery::DeliveryPolicy) -> Self {
        self.config.delivery = policy;
        self
    }

    /// Serves the health endpoints `/healthz` (the process is up) and `/readyz` (the storage
    /// and the hub answer; 503 JSON naming the failing part) at the root of the router
    /// (default: off, so a host keeps its own paths). See [`crate::health`].
    pub fn health(mut self, enabled: bool) -> Self {
        self.config.health = enabled;
        self
    }

    /// Makes `/readyz` also require a bot connected to the bot websocket (default: off; a bot
    /// that only uses REST, like the Python original's, is never seen connected).
    pub fn ready_requires_bot(mut self, required: bool) -> Self {
        self.config.ready_requires_bot = required;
        self
    }

    /// Serves the Prometheus text at `/metrics` at the root of the router (default: off), from
    /// the recorder [`install_prometheus`](crate::metrics::install_prometheus) installed. See
    /// [`crate::metrics`] for the series.
    #[cfg(feature = "prometheus")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
    pub fn metrics(mut self, handle: crate::metrics::PrometheusHandle) -> Self {
        self.config.metrics = Some(handle);
        self
    }

    /// Serves health and metrics only from [`SupportServer::ops_router`], for a listener of
    /// their own (a private address), instead of from [`SupportServer::router`].
    pub fn ops_listener(mut self, separate: bool) -> Self {
        self.config.ops_listener = separate;
        self
    }

    /// Serves the contract documents: the OpenAPI document at `{mount}/openapi.json` and the
    /// websocket events' JSON Schema at `{mount}/schema/events.json` (default: off, so a host
    /// keeps its own paths). See [`crate::contract`].
    pub fn contract(mut self, enabled: bool) -> Self {
        self.config.contract = enabled;
        self
    }

    /// Which release line of the Python original to answer like where the lines disagree:
    /// [`CompatLine::V0_1_5`](crate::CompatLine::V0_1_5) (the default) or
    /// [`CompatLine::V1_2`](crate::CompatLine::V1_2) for teams running
    /// `chatlabs-django-support` 1.2.0's page or `chatlabs-aiogram-support` 0.2.0's bot.
    pub fn compat_line(mut self, line: crate::CompatLine) -> Self {
        self.config.compat_line = line;
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: SupportConfig) -> Self {
        self.config = config;
        self
    }

    /// How many password checks (argon2, ~19 MiB each) the built-in authentication runs at once
    /// and lets wait; a login past them is answered 429 (default:
    /// [`HashingLimits::default`](crate::auth::HashingLimits::default)). A
    /// [`Self::builtin_auth`] given ready-made keeps its own.
    pub fn password_hashing(mut self, limits: crate::auth::HashingLimits) -> Self {
        self.config.password_hashing = limits;
        self
    }

    /// The longest a REST request waits for the event hub to take an event (default 1 s); past
    /// it the request still succeeds and the failure is logged and counted.
    pub fn publish_timeout(mut self, timeout: Duration) -> Self {
        self.config.publish_timeout = timeout;
        self
    }

    /// How many of the newest manager events are kept for reconnecting managers to resume from
    /// (default [`DEFAULT_EVENT_LOG_CAPACITY`](crate::config::DEFAULT_EVENT_LOG_CAPACITY)). A
    /// manager further behind reloads.
    pub fn event_log_capacity(mut self, events: u64) -> Self {
        self.config.event_log_capacity = events.max(1);
        self
    }

    /// Where attachments' bytes are kept (a [`LocalBlobStore`](crate::blob::LocalBlobStore)
    /// directory, or an object store for several instances). Without one, the server still
    /// records attachments Telegram holds, but refuses uploads (503) and serves no files.
    pub fn blob_store(mut self, store: impl BlobStore) -> Self {
        self.blobs = Some(Arc::new(store));
        self
    }

    /// [`SupportServerBuilder::blob_store`], already shared.
    pub fn shared_blob_store(mut self, store: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(store);
        self
    }

    /// The attachments' bounds: the largest file, uploads at once, how long an unsent upload
    /// is kept.
    pub fn attachment_limits(mut self, limits: crate::attachments::AttachmentLimits) -> Self {
        self.config.attachments = limits;
        self
    }

    /// Serve files only Telegram holds (the bot did not copy them) by fetching them through
    /// the Bot API at `api_url` ([`DEFAULT_API_URL`](crate::attachments::telegram::DEFAULT_API_URL))
    /// with the bot's `token`.
    #[cfg(feature = "telegram-files")]
    #[cfg_attr(docsrs, doc(cfg(feature = "telegram-files")))]
    pub fn telegram_files(mut self, token: impl Into<String>, api_url: impl Into<String>) -> Self {
        self.config.telegram_files = Some(crate::attachments::telegram::TelegramFiles::new(
            token, api_url,
        ));
        self
    }

    /// Finishes the configuration.
    pub fn build(self) -> SupportServer {
        let mut config = self.config;
        config.mount = normalize_prefix(&config.mount);
        config.ws_prefix = normalize_prefix(&config.ws_prefix);
        if config.legacy_anonymous_bot_api {
            tracing::warn!(
                "legacy anonymous bot API enabled: tokenless clients may create tickets and \
                 messages for any Telegram user"
            );
        }
        let storage = self
            .storage
            .unwrap_or_else(|| Arc::new(MemoryStorage::new()));
        let config_turns = config.attachments.concurrent_uploads;
        let (manager_auth, builtin_auth) = match (self.manager_auth, self.builtin_auth) {
            (Some(auth), builtin) => (auth, builtin),
            (None, _) => {
                let builtin = BuiltinAuth::with_limits(storage.clone(), config.password_hashing);
                (
                    Arc::new(builtin.clone()) as Arc<dyn ManagerAuth>,
                    Some(builtin),
                )
            }
        };
        let state = AppState::new(Inner {
            manager_auth,
            builtin_auth,
            hub: SequencedHub::new(
                self.hub.unwrap_or_else(|| Arc::new(LocalHub::default())),
                storage.clone(),
                config.event_log_capacity,
                config.publish_timeout,
                crate::hub::DEFAULT_CAPACITY,
            ),
            directory: self.directory.unwrap_or_else(|| Arc::new(AcceptAll)),
            storage,
            config,
            shutdown: tokio_util::sync::CancellationToken::new(),
            managers_open: Default::default(),
            bots_open: Default::default(),
            typing: Default::default(),
            blobs: self.blobs,
            upload_turns: tokio::sync::Semaphore::new(config_turns.max(1)),
        });
        SupportServer { state }
    }
}
