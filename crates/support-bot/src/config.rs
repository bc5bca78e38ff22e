//! Where the support server is and how to talk to it: environment variables or a builder.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `BACKEND_SCHEMA` | `http` | `http` or `https` |
//! | `BACKEND_HOST` | `localhost` | host name or IP address |
//! | `BACKEND_PORT` | `8000` | TCP port, 1..=65535 |
//! | `BACKEND_SUPPORT_PATH` | `/support` | where the REST API is mounted |
//! | `BACKEND_TOKEN` | (none) | bearer token of the bot API \[A2\] |

use std::time::Duration;

use url::Url;

use crate::error::ConfigError;

/// The validated connection settings of a [`crate::SupportClient`].
///
/// ```
/// use support_bot::SupportConfig;
/// let config = SupportConfig::builder().host("support.example").port(8443).schema("https").build().unwrap();
/// assert_eq!(config.rest_base().as_str(), "https://support.example:8443/support/");
/// assert_eq!(config.bot_ws_url(Some(7)).as_str(), "wss://support.example:8443/ws/support/bot/?cursor=7");
///
/// let err = SupportConfig::builder().port_str("eighty").build().unwrap_err();
/// assert_eq!(err.var, "BACKEND_PORT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportConfig {
    rest_base: Url,
    ws_base: Url,
    token: Option<Secret>,
    timeout: Duration,
    retries: u32,
}

/// A secret string (the bot's bearer token): `Debug` prints `[redacted]`, so neither the
/// config, the [`crate::SupportClient`] holding it nor a log line formatting either shows it.
/// A private newtype rather than the `secrecy` crate: the config derives `PartialEq` and
/// `Clone`, which `secrecy`'s `SecretString` does not offer, and the token leaves it only
/// through [`SupportConfig::token`] for the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl SupportConfig {
    /// A builder with every setting at its default.
    pub fn builder() -> SupportConfigBuilder {
        SupportConfigBuilder::default()
    }

    /// Reads the `BACKEND_*` environment variables (see the module documentation). A variable
    /// that is set but invalid is an error naming it; unset variables take their defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        SupportConfigBuilder::from_lookup(|name| std::env::var(name).ok()).build()
    }

    /// The REST API base, with a trailing slash, e.g. `http://localhost:8000/support/`.
    pub fn rest_base(&self) -> &Url {
        &self.rest_base
    }

    /// The bot websocket URL \[W9\], with `?cursor=N` when a cursor is given.
    pub fn bot_ws_url(&self, cursor: Option<u64>) -> Url {
        let mut url = self.ws_base.clone();
        if let Some(cursor) = cursor {
            url.query_pairs_mut()
                .append_pair("cursor", &cursor.to_string());
        }
        url
    }

    /// The bot websocket URL in delivery mode (`?delivery=1`): the server offers each pending
    /// reply and the bot reports its outcome.
    pub fn bot_delivery_url(&self) -> Url {
        let mut url = self.ws_base.clone();
        url.query_pairs_mut().append_pair("delivery", "1");
        url
    }

    /// The bearer token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.0.as_str())
    }

    /// The timeout of one HTTP request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How many times an idempotent request is retried after a network failure or a 5xx.
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

/// Builds a [`SupportConfig`]; every setter overrides the environment or the default.
#[derive(Debug, Clone, Default)]
pub struct SupportConfigBuilder {
    schema: Option<String>,
    host: Option<String>,
    port: Option<String>,
    path: Option<String>,
    token: Option<Secret>,
    ws_path: Option<String>,
    timeout: Option<Duration>,
    retries: Option<u32>,
}

impl SupportConfigBuilder {
    /// A builder pre-filled from a variable lookup (the environment in [`SupportConfig::from_env`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            schema: lookup("BACKEND_SCHEMA"),
            host: lookup("BACKEND_HOST"),
            port: lookup("BACKEND_PORT"),
            path: lookup("BACKEND_SUPPORT_PATH"),
            token: lookup("BACKEND_TOKEN").map(Secret),
            ..Self::default()
        }
    }

    /// `http` or `https` (`BACKEND_SCHEMA`).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The host name or address (`BACKEND_HOST`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// The port (`BACKEND_PORT`).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port.to_string());
        self
    }

    /// The port as text, validated by [`Self::build`] (`BACKEND_PORT`).
    pub fn port_str(mut self, port: impl Into<String>) -> Self {
        self.port = Some(port.into());
        self
    }

    /// Where the REST API is mounted (`BACKEND_SUPPORT_PATH`), e.g. `/support`.
    pub fn support_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The bearer token (`BACKEND_TOKEN`); an empty token means none.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret(token.into()));
        self
    }

    /// The path of the bot websocket (default `/ws/support/bot/`, at the site root).
    pub fn ws_path(mut self, path: impl Into<String>) -> Self {
        self.ws_path = Some(path.into());
        self
    }

    /// The timeout of one HTTP request (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries of idempotent requests (default 2).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<SupportConfig, ConfigError> {
        let schema = self.schema.unwrap_or_else(|| "http".to_owned());
        let schema_lc = schema.trim().to_ascii_lowercase();
        let ws_schema = match schema_lc.as_str() {
            "http" => "ws",
            "https" => "wss",
            _ => {
                return Err(ConfigError::new(
                    "BACKEND_SCHEMA",
                    schema,
                    "must be `http` or `https`",
                ));
            }
        };

        let host = self.host.unwrap_or_else(|| "localhost".to_owned());
        let host_t = host.trim();
        if host_t.is_empty()
            || host_t
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@'))
        {
            return Err(ConfigError::new(
                "BACKEND_HOST",
                host,
                "must be a host name or an IP address, without scheme, port or path",
            ));
        }

        let port = self.port.unwrap_or_else(|| "8000".to_owned());
        let port_n: u16 = match port.trim().parse() {
            Ok(p) if p > 0 => p,
            _ => {
                return Err(ConfigError::new(
                    "BACKEND_PORT",
                    port,
                    "must be a number from 1 to 65535",
                ));
            }
        };

        let path = normalize_path(
            "BACKEND_SUPPORT_PATH",
            self.path.as_deref().unwrap_or("/support"),
        )?;
        let ws_path = normalize_path(
            "ws_path",
            self.ws_path.as_deref().unwrap_or("/ws/support/bot/"),
        )?;

        let rest = format!("{schema_lc}://{host_t}:{port_n}{path}");
        let rest_base = Url::parse(&rest).map_err(|e| {
            ConfigError::new(
                "BACKEND_HOST",
                host_t,
                format!("gives an invalid url {rest}: {e}"),
            )
        })?;
        let ws = format!("{ws_schema}://{host_t}:{port_n}{ws_path}");
        let ws_base = Url::parse(&ws).map_err(|e| {
            ConfigError::new(
                "BACKEND_HOST",
                host_t,
                format!("gives an invalid url {ws}: {e}"),
            )
        })?;

        let token = match self.token {
            None => None,
            Some(Secret(t)) if t.trim().is_empty() => None,
            Some(Secret(t)) => {
                let trimmed = t.trim();
                if !trimmed.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(ConfigError::new(
                        "BACKEND_TOKEN",
                        "<hidden>",
                        "must be printable ASCII without spaces",
                    ));
                }
                Some(Secret(trimmed.to_owned()))
            }
        };

        Ok(SupportConfig {
            rest_base,
            ws_base,
            token,
            timeout: self.timeout.unwrap_or(Duration::from_secs(10)),
            retries: self.retries.unwrap_or(2),
        })
    }
}

/// `support`, `/support`, `/support/` → `/support/`; `/` or empty → `/`.
fn normalize_path(var: &'static str, raw: &str) -> Result<String, ConfigError> {
    let p = raw.trim();
    if p.chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\'))
    {
        return Err(ConfigError::new(
            var,
            raw,
            "must be a URL path like `/support`",
        ));
    }
    let inner = p.trim_matches('/');
    if inner
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        && !inner.is_empty()
    {
        return Err(ConfigError::new(
            var,
            raw,
            "must be a URL path like `/support`",
        ));
    }
    if inner.is_empty() {
        Ok("/".to_owned())
    } else {
        Ok(format!("/{inner}/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<SupportConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SupportConfigBuilder::from_lookup(|k| map.get(k).cloned()).build()
    }

    #[test]
    fn defaults() {
        let c = from(&[]).unwrap();
        assert_eq!(c.rest_base().as_str(), "http://localhost:8000/support/");
        assert_eq!(
            c.bot_ws_url(None).as_str(),
            "ws://localhost:8000/ws/support/bot/"
        );
        assert_eq!(c.token(), None);
    }

    #[test]
    fn every_variable_is_read() {
        let c = from(&[
            ("BACKEND_SCHEMA", "HTTPS"),
            ("BACKEND_HOST", "api.example.com"),
            ("BACKEND_PORT", "443"),
            ("BACKEND_SUPPORT_PATH", "help/desk/"),
            ("BACKEND_TOKEN", " secret "),
        ])
        .unwrap();
        assert_eq!(c.rest_base().as_str(), "https://api.example.com/help/desk/");
        assert_eq!(
            c.bot_ws_url(Some(3)).as_str(),
            "wss://api.example.com/ws/support/bot/?cursor=3"
        );
        assert_eq!(c.token(), Some("secret"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("BACKEND_SCHEMA", "ftp"),
            ("BACKEND_HOST", "http://x"),
            ("BACKEND_HOST", ""),
            ("BACKEND_PORT", "0"),
            ("BACKEND_PORT", "70000"),
            ("BACKEND_PORT", "abc"),
            ("BACKEND_SUPPORT_PATH", "/a b"),
            ("BACKEND_SUPPORT_PATH", "/a//b"),
            ("BACKEND_TOKEN", "has space"),
        ] {
            let err = from(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{value}");
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    /// `Debug` of the config, its builder, a client and a push listener never shows the token.
    #[tokio::test]
    async fn debug_never_shows_the_token() {
        const SECRET: &str = "s3cret-bot-token-4711";
        let builder = SupportConfig::builder().token(SECRET);
        let config = builder.clone().build().unwrap();
        assert_eq!(config.token(), Some(SECRET));
        let from_env = from(&[("BACKEND_TOKEN", SECRET)]).unwrap();
        let client = crate::SupportClient::new(config.clone()).unwrap();
        let push = crate::PushListener::new(
            teloxide::Bot::new("123456:telegram-secret-token"),
            client.clone(),
            crate::Languages::default(),
            {
                use teloxide::dispatching::dialogue::{InMemStorage, Storage};
                InMemStorage::<crate::SupportState>::new().erase()
            },
        );
        for text in [
            format!("{builder:?}"),
            format!("{config:?}"),
            format!("{from_env:#?}"),
            format!("{client:?}"),
            format!("{push:?}"),
        ] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains("telegram-secret-token"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn empty_token_is_none_and_builder_overrides() {
        let c = SupportConfigBuilder::from_lookup(|k| (k == "BACKEND_TOKEN").then(String::new))
            .host("127.0.0.1")
            .port(9)
            .support_path("/")
            .build()
            .unwrap();
        assert_eq!(c.token(), None);
        assert_eq!(c.rest_base().as_str(), "http://127.0.0.1:9/");
    }
}
