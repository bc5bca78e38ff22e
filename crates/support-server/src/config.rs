//! Server configuration: where the routes live and who may call them.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::HashingLimits;
use crate::delivery::DeliveryPolicy;

/// The default REST mount point (the Django layout: `path('support/', ...)`).
pub const DEFAULT_MOUNT: &str = "/support";
/// The default websocket prefix (`/ws/support/manager/`, `/ws/support/bot/`).
pub const DEFAULT_WS_PREFIX: &str = "/ws/support";
/// The default request body limit: a 4,096-character text of 4-byte characters is 16 KiB of
/// JSON, escaped perhaps 6x; 64 KiB bounds every legitimate body with room to spare.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// The default bound on handing one event to a broker (Redis, Postgres): a REST request never
/// waits longer for a slow or frozen broker.
pub const DEFAULT_PUBLISH_TIMEOUT: Duration = Duration::from_secs(1);

/// How the support routes are laid out and secured.
#[derive(Clone)]
pub struct SupportConfig {
    /// REST mount point, e.g. `/support` (no trailing slash).
    pub mount: String,
    /// Websocket prefix, e.g. `/ws/support` (no trailing slash).
    pub ws_prefix: String,
    /// Bearer tokens the bot API accepts \[A2\]. Secrets: never logged.
    pub bot_tokens: Vec<String>,
    /// Lets tokenless clients (the Python aiogram bot) use the bot REST API \[A3\].
    pub legacy_anonymous_bot_api: bool,
    /// Origins, besides the request's own host, trusted for cookie-authenticated unsafe requests
    /// and websocket upgrades (e.g. `https://support.example.com`).
    pub trusted_origins: Vec<String>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed: when the peer is one
    /// of them, the login throttle keys on the client address the proxies report (the
    /// rightmost one that is not itself a trusted proxy). Empty (the default): the peer address
    /// is the client, and `X-Forwarded-For` is ignored, as anyone can send it.
    pub trusted_proxies: Vec<IpAddr>,
    /// The public base URL (e.g. `https://support.example.com`) the paging links are built from;
    /// with it the request's `Host` is not used (see [`SupportConfig::allowed_hosts`]).
    pub public_url: Option<String>,
    /// Hosts whose `Host` header the paging links may use when there is no
    /// [`SupportConfig::public_url`], with Django's `ALLOWED_HOSTS` rules (a name, `.example.com`
    /// for it and its subdomains, `*` for any); for another `Host` the links are relative (the
    /// path alone), never built from it. Empty (the default): `localhost` and its subdomains,
    /// `127.0.0.1` and `[::1]` only.
    pub allowed_hosts: Vec<String>,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The console's debug mode: serve its files from this directory on every request instead of
    /// the embedded copies (see [`ConsoleConfig::assets_dir`](crate::console::ConsoleConfig::assets_dir)).
    pub console_assets_dir: Option<PathBuf>,
    /// How replies are delivered to Telegram: leases, retries, backoff.
    pub delivery: DeliveryPolicy,
    /// Serve `/healthz` and `/readyz` at the root (see [`crate::health`]); off by default, so
    /// a host's own paths are left alone.
    pub health: bool,
    /// `/readyz` also requires a bot connected to the bot websocket (a bot using only REST,
    /// like the Python original's, is never seen connected). Off by default.
    pub ready_requires_bot: bool,
    /// Serve the Prometheus text at `/metrics` with this handle (see [`crate::metrics`]); off
    /// (`None`) by default.
    #[cfg(feature = "prometheus")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
    pub metrics: Option<crate::metrics::PrometheusHandle>,
    /// Health and metrics only from [`SupportServer::ops_router`](crate::SupportServer::ops_router)
    /// (a listener of their own, e.g. on a private address), not from
    /// [`SupportServer::router`](crate::SupportServer::router). Off by default.
    pub ops_listener: bool,
    /// Serve the contract documents, `{mount}/openapi.json` and `{mount}/schema/events.json`
    /// (see [`crate::contract`]); off by default, so a host's own paths are left alone.
    pub contract: bool,
    /// How many password checks run at once and wait, for the built-in authentication the
    /// builder creates.
    pub password_hashing: HashingLimits,
    /// The longest a request waits for the event hub to take an event; past it the request
    /// still succeeds (its write is committed), and the failure is logged and counted.
    pub publish_timeout: Duration,
    /// How many of the newest manager events the event log keeps for reconnecting managers to
    /// resume from (see [`crate::hub::SequencedHub`]); default [`DEFAULT_EVENT_LOG_CAPACITY`].
    pub event_log_capacity: u64,
    /// Attachments: the largest file, how many upload at once, how long an unsent upload is
    /// kept (see [`crate::attachments`]).
    pub attachments: crate::attachments::AttachmentLimits,
    /// Fetch files only Telegram holds through the Bot API, with the bot's token (see
    /// [`crate::attachments::telegram`]); `None` (the default): such files are not served.
    #[cfg(feature = "telegram-files")]
    #[cfg_attr(docsrs, doc(cfg(feature = "telegram-files")))]
    pub telegram_files: Option<crate::attachments::telegram::TelegramFiles>,
    /// Which release line of the original to answer like where the lines disagree (default
    /// 0.1.5; see [`CompatLine`](crate::CompatLine)).
    pub compat_line: crate::CompatLine,
}

/// The default [`SupportConfig::event_log_capacity`]: 10,000 events, minutes of a busy desk's
/// traffic, a few megabytes.
pub const DEFAULT_EVENT_LOG_CAPACITY: u64 = 10_000;

impl Default for SupportConfig {
    fn default() -> Self {
        Self {
            mount: DEFAULT_MOUNT.to_owned(),
            ws_prefix: DEFAULT_WS_PREFIX.to_owned(),
            bot_tokens: Vec::new(),
            legacy_anonymous_bot_api: false,
            trusted_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            public_url: None,
            allowed_hosts: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            console_assets_dir: None,
            delivery: DeliveryPolicy::default(),
            health: false,
            ready_requires_bot: false,
            #[cfg(feature = "prometheus")]
            metrics: None,
            ops_listener: false,
            contract: false,
            password_hashing: HashingLimits::default(),
            publish_timeout: DEFAULT_PUBLISH_TIMEOUT,
            event_log_capacity: DEFAULT_EVENT_LOG_CAPACITY,
            attachments: crate::attachments::AttachmentLimits::default(),
            #[cfg(feature = "telegram-files")]
            telegram_files: None,
            compat_line: crate::CompatLine::default(),
        }
    }
}

impl fmt::Debug for SupportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SupportConfig");
        debug
            .field("mount", &self.mount)
            .field("ws_prefix", &self.ws_prefix)
            .field(
                "bot_tokens",
                &format_args!("[{} redacted]", self.bot_tokens.len()),
            )
            .field("legacy_anonymous_bot_api", &self.legacy_anonymous_bot_api)
            .field("trusted_origins", &self.trusted_origins)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_url", &self.public_url)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("body_limit", &self.body_limit)
            .field("console_assets_dir", &self.console_assets_dir)
            .field("delivery", &self.delivery)
            .field("health", &self.health)
            .field("ready_requires_bot", &self.ready_requires_bot)
            .field("contract", &self.contract);
        #[cfg(feature = "prometheus")]
        debug.field("metrics", &self.metrics.is_some());
        debug
            .field("ops_listener", &self.ops_listener)
            .field("password_hashing", &self.password_hashing)
            .field("publish_timeout", &self.publish_timeout)
            .field("event_log_capacity", &self.event_log_capacity)
            .field("attachments", &self.attachments);
        #[cfg(feature = "telegram-files")]
        debug.field("telegram_files", &self.telegram_files);
        debug.field("compat_line", &self.compat_line);
        debug.finish()
    }
}

/// Normalizes a prefix: leading slash, no trailing slash (`""` for the root).
pub(crate) fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalized_and_tokens_redacted() {
        assert_eq!(normalize_prefix("support/"), "/support");
        assert_eq!(normalize_prefix("/"), "");
        let config = SupportConfig {
            bot_tokens: vec!["s3cret".into()],
            ..Default::default()
        };
        let text = format!("{config:?} {config:#?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("[1 redacted]"), "{text}");
    }
}
