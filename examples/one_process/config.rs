//! The example's settings, read from environment variables: the program's names for the server
//! (`SUPPORT_*`), the bot example's for the dialogues, teloxide's for the bot, `WEBHOOK_*` for
//! the webhook. Every value is checked here, at start-up, with an error naming the variable
//! (never showing a secret's value); `Debug` shows every setting but the secrets.

use std::net::{IpAddr, SocketAddr};

use url::Url;

/// Where the support router lives in this app (the builder's defaults: REST and console under
/// `/support`, websockets under `/ws/`, health at the root): the webhook path must stay clear
/// of them, or the merged app would route a webhook call to support, or panic at start-up.
const RESERVED: &[&str] = &["/support", "/ws", "/healthz", "/readyz"];

/// The length of a generated secret: 32 alphanumerics, about 190 bits.
const GENERATED_SECRET_LEN: usize = 32;

/// What [`Config::from_lookup`] refused: the variable and why (never its value).
#[derive(Debug)]
pub(crate) struct ConfigError {
    pub(crate) var: &'static str,
    pub(crate) reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.var, self.reason)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

/// A secret setting: `Debug` prints `[redacted]`; [`Secret::expose`] is the only way out.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// A random one (alphanumerics: valid as a webhook secret and as a bearer token).
    fn generate() -> Self {
        use rand::Rng;
        Self(
            rand::rng()
                .sample_iter(rand::distr::Alphanumeric)
                .take(GENERATED_SECRET_LEN)
                .map(char::from)
                .collect(),
        )
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A `SUPPORT_MANAGER` entry, `USER:PASSWORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Manager {
    pub(crate) username: String,
    pub(crate) password: Secret,
}

/// Everything the example reads from the environment. `Debug` hides the secrets, and the
/// webhook's path too: Telegram's documentation long advised a secret path (`/<token>`), so
/// some deployments still carry one (the secret header is the check here; request traces, at
/// the debug level, do show paths).
pub(crate) struct Config {
    /// `SUPPORT_BIND` (default `127.0.0.1:8000`): the one port, serving support and the webhook.
    pub(crate) bind: SocketAddr,
    /// `WEBHOOK_URL` (required): the public HTTPS URL Telegram posts updates to, given to
    /// `setWebhook`; a reverse proxy usually forwards it to `bind`.
    pub(crate) webhook_url: Url,
    /// `WEBHOOK_PATH` (default: the path of `WEBHOOK_URL`): the path this app serves the
    /// webhook at, when a proxy rewrites the public path.
    pub(crate) webhook_path: String,
    /// `WEBHOOK_SECRET` (default: random at every start): Telegram sends it in
    /// `X-Telegram-Bot-Api-Secret-Token`; a call without it is refused. Set it when several
    /// instances answer the URL (a rolling deploy), so each accepts what Telegram sends.
    pub(crate) webhook_secret: Secret,
    /// Whether `WEBHOOK_SECRET` was generated (so the log can say so).
    pub(crate) webhook_secret_generated: bool,
    /// `SUPPORT_DATABASE` (default `sqlite://support.db`), as the program reads it; a secret, as
    /// a Postgres URL may carry a password.
    pub(crate) database: Secret,
    /// `SUPPORT_BOT_TOKEN` (default: random at every start): the support server's bot token,
    /// which the bot in this process uses. Set it only to let another bot use this server too.
    pub(crate) support_token: Secret,
    /// `SUPPORT_MANAGER`: `USER:PASSWORD` managers to create or update, comma-separated.
    pub(crate) managers: Vec<Manager>,
    /// `SUPPORT_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` counts for the login
    /// throttle, comma-separated. Behind a proxy (HTTPS for Telegram), name it: otherwise every
    /// login seems to come from the proxy and one attacker's failures throttle everyone.
    pub(crate) trusted_proxies: Vec<IpAddr>,
    /// `SUPPORT_DIALOGUE_DB` (default `support-dialogues.db`): the users' support dialogues, in
    /// teloxide's SQLite storage, as in the long-polling example.
    pub(crate) dialogue_db: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = self.webhook_url.origin().ascii_serialization();
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("webhook_url", &format_args!("{origin}/[path hidden]"))
            .field("webhook_secret", &self.webhook_secret)
            .field("webhook_secret_generated", &self.webhook_secret_generated)
            .field("database", &self.database)
            .field("support_token", &self.support_token)
            .field("managers", &self.managers)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("dialogue_db", &self.dialogue_db)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the process environment.
    pub(crate) fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable's value, if set).
    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        // Teloxide's `Bot::from_env` panics without it: say which variable is missing instead.
        if lookup("TELOXIDE_TOKEN").is_none_or(|t| t.trim().is_empty()) {
            return Err(invalid("TELOXIDE_TOKEN", "the bot's token is required"));
        }
        let bind = match lookup("SUPPORT_BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(bind) => bind.trim().parse().map_err(|_| {
                invalid(
                    "SUPPORT_BIND",
                    "must be an address and port, e.g. 0.0.0.0:8000",
                )
            })?,
        };
        let webhook_url = lookup("WEBHOOK_URL")
            .ok_or_else(|| {
                invalid(
                    "WEBHOOK_URL",
                    "required: the public HTTPS URL Telegram posts updates to",
                )
            })
            .and_then(|url| {
                Url::parse(url.trim())
                    .map_err(|e| invalid("WEBHOOK_URL", format!("not a URL: {e}")))
            })?;
        let webhook_path = webhook_path(
            lookup("WEBHOOK_PATH")
                .as_deref()
                .unwrap_or(webhook_url.path()),
        )?;
        let (webhook_secret, webhook_secret_generated) = match lookup("WEBHOOK_SECRET") {
            None => (Secret::generate(), true),
            Some(secret) => (webhook_secret(secret)?, false),
        };
        let database =
            Secret(lookup("SUPPORT_DATABASE").unwrap_or_else(|| "sqlite://support.db".to_owned()));
        let support_token = match lookup("SUPPORT_BOT_TOKEN") {
            Some(token) if !token.trim().is_empty() => {
                let token = token.trim();
                if !token.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(invalid(
                        "SUPPORT_BOT_TOKEN",
                        "must be printable ASCII without spaces",
                    ));
                }
                Secret(token.to_owned())
            }
            _ => Secret::generate(),
        };
        let managers = list(lookup("SUPPORT_MANAGER"))
            .map(|m| match m.split_once(':') {
                Some((user, password)) if !user.trim().is_empty() && !password.is_empty() => {
                    Ok(Manager {
                        username: user.trim().to_owned(),
                        password: Secret(password.to_owned()),
                    })
                }
                _ => Err(invalid(
                    "SUPPORT_MANAGER",
                    "expected USER:PASSWORD with a non-empty user and password",
                )),
            })
            .collect::<Result<_, _>>()?;
        let trusted_proxies = list(lookup("SUPPORT_TRUSTED_PROXIES"))
            .map(|ip| {
                ip.parse().map_err(|_| {
                    invalid(
                        "SUPPORT_TRUSTED_PROXIES",
                        format!("{ip:?} is not an IP address"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let dialogue_db =
            lookup("SUPPORT_DIALOGUE_DB").unwrap_or_else(|| "support-dialogues.db".to_owned());
        Ok(Self {
            bind,
            webhook_url,
            webhook_path,
            webhook_secret,
            webhook_secret_generated,
            database,
            support_token,
            managers,
            trusted_proxies,
            dialogue_db,
        })
    }
}

/// The non-empty items of a comma-separated variable.
fn list(value: Option<String>) -> impl Iterator<Item = String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// A webhook path: absolute, a literal axum route (no `{param}` or `*`), clear of support's.
fn webhook_path(path: &str) -> Result<String, ConfigError> {
    let path = path.trim();
    if !path.starts_with('/')
        || path.contains(['{', '}', '*', '?', '#'])
        || path.contains(char::is_whitespace)
    {
        return Err(invalid(
            "WEBHOOK_PATH",
            "must be an absolute path without `{`, `}`, `*`, `?`, `#` or spaces (the path of WEBHOOK_URL by default)",
        ));
    }
    let taken = RESERVED.iter().find(|r| {
        path == **r
            || path
                .strip_prefix(**r)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if let Some(taken) = taken {
        return Err(invalid(
            "WEBHOOK_PATH",
            format!(
                "{path} is under {taken}, which the support server serves: use e.g. /telegram/webhook"
            ),
        ));
    }
    Ok(path.to_owned())
}

/// A webhook secret as Telegram accepts it: 1 to 256 of `A-Z`, `a-z`, `0-9`, `_`, `-`
/// (teloxide panics on anything else: refused here with an error instead).
fn webhook_secret(secret: String) -> Result<Secret, ConfigError> {
    let valid = (1..=256).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(Secret(secret))
    } else {
        Err(invalid(
            "WEBHOOK_SECRET",
            "must be 1 to 256 characters of A-Z, a-z, 0-9, `_` and `-` (leave it unset for a random one)",
        ))
    }
}
