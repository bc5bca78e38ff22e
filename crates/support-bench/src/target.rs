//! The server under test: where it is and how bots authenticate.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use url::Url;

/// A server speaking the chatlabs-support protocol.
#[derive(Clone)]
pub struct Target {
    /// The socket address the base URL resolves to.
    pub addr: SocketAddr,
    /// `host:port` for the `Host` header.
    pub authority: String,
    /// `http://host:port`, the `Origin` of cookie-authenticated requests.
    pub origin: String,
    /// The REST mount point, e.g. `/support` (no trailing slash).
    pub mount: String,
    /// The manager websocket path, e.g. `/ws/support/manager/`.
    pub ws_path: String,
    /// The bot bearer token; `None` for a tokenless server (the Python original).
    pub bot_token: Option<String>,
}

/// `Debug` shows the bot token as `[redacted]`.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("addr", &self.addr)
            .field("authority", &self.authority)
            .field("origin", &self.origin)
            .field("mount", &self.mount)
            .field("ws_path", &self.ws_path)
            .field("bot_token", &self.bot_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Target {
    /// A target from a base URL such as `http://127.0.0.1:8000/support`: its path is the mount
    /// point (default `/support` when the URL has none). Only loopback addresses are accepted.
    pub fn new(base_url: &str, bot_token: Option<String>) -> anyhow::Result<Self> {
        let url = Url::parse(base_url).with_context(|| format!("base URL {base_url:?}"))?;
        if url.scheme() != "http" {
            bail!("base URL {base_url:?}: only http:// is supported");
        }
        let host = url.host_str().context("base URL has no host")?;
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?
            .next()
            .with_context(|| format!("cannot resolve {host}"))?;
        if !addr.ip().is_loopback() {
            bail!("{addr} is not a loopback address; benchmarks stay on 127.0.0.0/8");
        }
        let mount = match url.path().trim_end_matches('/') {
            "" => "/support".to_owned(),
            path => path.to_owned(),
        };
        Ok(Self {
            addr,
            authority: format!("{host}:{port}"),
            origin: format!("http://{host}:{port}"),
            mount,
            ws_path: "/ws/support/manager/".to_owned(),
            bot_token: bot_token.filter(|t| !t.is_empty()),
        })
    }

    /// `{mount}/tickets/`.
    pub fn tickets_path(&self) -> String {
        format!("{}/tickets/", self.mount)
    }

    /// `{mount}/tickets/{id}/messages/`.
    pub fn messages_path(&self, ticket: i64) -> String {
        format!("{}/tickets/{ticket}/messages/", self.mount)
    }

    /// `ws://host:port{ws_path}`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}{}", self.authority, self.ws_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let target =
            Target::new("http://127.0.0.1:8000/support", Some("tok-s3cret".into())).unwrap();
        let credentials: crate::auth::Credentials = "anna:pw-s3cret".parse().unwrap();
        let text = format!("{target:?} {credentials:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    #[test]
    fn mount_from_path() {
        let t = Target::new("http://127.0.0.1:8000", None).unwrap();
        assert_eq!(t.messages_path(3), "/support/tickets/3/messages/");
        let t = Target::new("http://127.0.0.1:9/api/", Some("x".into())).unwrap();
        assert_eq!(t.tickets_path(), "/api/tickets/");
        assert_eq!(t.ws_url(), "ws://127.0.0.1:9/ws/support/manager/");
        assert!(Target::new("http://10.1.2.3:80", None).is_err());
    }
}
