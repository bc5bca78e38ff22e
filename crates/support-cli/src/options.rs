//! [`Options`]: the program's flags, each also read from an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

pub use crate::manager_args::{ManagerCredentials, ManagerName};
use crate::manager_args::{parse_manager, parse_manager_name};

/// The program's command line. Every flag also reads an environment variable; `--help` names
/// them but never shows the values of those that may hold a secret (`hide_env_values`): bot
/// tokens, manager passwords, and database and hub URLs, which can carry a password.
#[derive(Clone, Parser)]
#[command(
    name = "chatlabs-support-server",
    version,
    about = "chatlabs-support server: REST API, websockets and manager console"
)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "SUPPORT_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,
    /// Storage: `sqlite://PATH` (or a plain path), `postgres://...`, or `memory:`.
    #[arg(
        long,
        env = "SUPPORT_DATABASE",
        default_value = "sqlite://support.db",
        hide_env_values = true
    )]
    pub database: String,
    /// Connections to Postgres per instance (SQLite ignores it). Keep the sum over every
    /// instance under the database's `max_connections` (100 by default).
    #[arg(
        long,
        env = "SUPPORT_DATABASE_POOL",
        value_name = "CONNECTIONS",
        default_value_t = support_server::storage::DEFAULT_POSTGRES_POOL,
        value_parser = clap::value_parser!(u32).range(2..=1000)
    )]
    pub database_pool: u32,
    /// Event hub: `local` (this process only), or a broker shared by several instances on one
    /// database: `postgres://...` (LISTEN/NOTIFY) or `redis://...` (pub/sub).
    #[arg(
        long,
        env = "SUPPORT_HUB",
        default_value = "local",
        hide_env_values = true
    )]
    pub hub: String,
    /// The broker channel of `--hub` (default `support_events` on Postgres, `support:events`
    /// on Redis): deployments sharing one broker or database use different channels.
    #[arg(long, env = "SUPPORT_HUB_CHANNEL")]
    pub hub_channel: Option<String>,
    /// A bot bearer token; repeatable (the variable takes a comma-separated list).
    #[arg(
        long = "bot-token",
        env = "SUPPORT_BOT_TOKEN",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub bot_tokens: Vec<String>,
    /// A reverse proxy whose `X-Forwarded-For` is believed for login throttling (the client
    /// address it reports); repeatable (the variable takes a comma-separated list). Without one,
    /// the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SUPPORT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The public base URL of this server (e.g. `https://support.example.com`), from which the
    /// paging links (`next`, `previous`) are built; the request's `Host` is then not used.
    #[arg(long, env = "SUPPORT_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// A host the paging links may take from the request's `Host` header when there is no
    /// `--public-url` (`.example.com`: it and its subdomains; `*`: any); repeatable (the
    /// variable takes a comma-separated list). Without either, only localhost names are; for
    /// other hosts the links are relative.
    #[arg(
        long = "allowed-host",
        env = "SUPPORT_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Let tokenless clients (the Python aiogram bot) use the bot REST API.
    #[arg(long, env = "SUPPORT_LEGACY_ANONYMOUS_BOT_API")]
    pub legacy_anonymous_bot_api: bool,
    /// Which release line of the Python original to answer like where its lines disagree:
    /// `0.1.5` (`chatlabs-support`), or `1.2` for `chatlabs-django-support` 1.2.0's manager page
    /// and `chatlabs-aiogram-support` 0.2.0's bot (their ticket list order: unviewed first).
    #[arg(long, env = "SUPPORT_COMPAT_LINE", default_value = "0.1.5")]
    pub compat_line: support_server::CompatLine,
    /// Create or update a manager, `USER:PASSWORD`; repeatable (the variable takes a
    /// comma-separated list). With none and no manager stored yet, one named `admin` is created
    /// with a random password, printed once.
    #[arg(
        long = "manager",
        env = "SUPPORT_MANAGER",
        value_delimiter = ',',
        value_parser = parse_manager,
        hide_env_values = true
    )]
    pub managers: Vec<ManagerCredentials>,
    /// A manager's display name, `USER=NAME` (first name, then the last name after the first
    /// space), shown to colleagues in the console; repeatable (the variable takes a
    /// comma-separated list). Without it a manager keeps the name stored.
    #[arg(
        long = "manager-name",
        env = "SUPPORT_MANAGER_NAME",
        value_delimiter = ',',
        value_parser = parse_manager_name
    )]
    pub manager_names: Vec<ManagerName>,
    /// Deactivate a manager: they can no longer log in and their sessions and tokens end (given
    /// again with `--manager`, they are active again); repeatable (the variable takes a
    /// comma-separated list).
    #[arg(
        long = "deactivate-manager",
        env = "SUPPORT_DEACTIVATE_MANAGER",
        value_delimiter = ','
    )]
    pub deactivate_managers: Vec<String>,
    /// Console development: serve the console's page and assets from this directory (a
    /// checkout's `crates/support-server/console`), read on every request, instead of the copies
    /// built into the program; edit a file and reload the page.
    #[arg(long, env = "SUPPORT_CONSOLE_DIR")]
    pub console_dir: Option<PathBuf>,
    /// Serve the operational endpoints (`/healthz`, `/readyz`, `/metrics`) on this address of
    /// their own (e.g. a private `10.0.0.5:9000`) instead of on `--bind`.
    #[arg(long, env = "SUPPORT_OPS_BIND")]
    pub ops_bind: Option<SocketAddr>,
    /// Do not serve the Prometheus metrics at `/metrics` (served by default).
    #[arg(long, env = "SUPPORT_NO_METRICS")]
    pub no_metrics: bool,
    /// `/readyz` also requires a bot connected to the bot websocket (a bot using only REST,
    /// like the Python original's, is never seen connected).
    #[arg(long, env = "SUPPORT_READY_REQUIRES_BOT")]
    pub ready_requires_bot: bool,
    /// How log lines (on stderr) are written: `text` (coloured on a terminal) or `json` (one
    /// object per line, for a log collector).
    #[arg(long, env = "SUPPORT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Seconds a client has to send a request's head (from connecting, or from the previous
    /// response): slow clients and idle keep-alive connections are closed after it.
    #[arg(
        long,
        env = "SUPPORT_HEADER_READ_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub header_read_timeout: u64,
    /// Seconds a connection may go with no byte sent or received before it is closed
    /// (websockets are kept alive by pings instead).
    #[arg(
        long,
        env = "SUPPORT_IDLE_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub idle_timeout: u64,
    /// Open connections at most, websockets included; more are answered 503 and closed. Lowered
    /// at start to fit the open-file limit, which the program raises to its hard limit.
    #[arg(
        long,
        env = "SUPPORT_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_connections: u64,
    /// Memory (MiB) that password checks (argon2, 19 MiB each) may use at once: at most that
    /// many checks run together (and no more than the cores); logins past them wait briefly,
    /// then get 429.
    #[arg(
        long,
        env = "SUPPORT_LOGIN_MEMORY_MIB",
        value_name = "MIB",
        default_value_t = 128,
        value_parser = clap::value_parser!(u64).range(19..)
    )]
    pub login_memory_mib: u64,
    /// Milliseconds a request waits for `--hub`'s broker to take an event; past it the request
    /// succeeds anyway (its change is stored) and the failure is logged and counted.
    #[arg(
        long,
        env = "SUPPORT_PUBLISH_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub publish_timeout_ms: u64,
    /// How many of the newest manager events are kept for reconnecting consoles to resume from;
    /// a console further behind reloads. With `--hub local` they are kept in memory, with a
    /// broker in the database (shared by every instance).
    #[arg(
        long,
        env = "SUPPORT_EVENT_LOG_CAPACITY",
        value_name = "EVENTS",
        default_value_t = support_server::config::DEFAULT_EVENT_LOG_CAPACITY,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub event_log_capacity: u64,
    /// Directory where attachments' files are kept (created if missing), named by their
    /// content's SHA-256. Several instances need one shared directory.
    #[arg(
        long,
        env = "SUPPORT_BLOB_DIR",
        value_name = "DIR",
        default_value = "support-blobs"
    )]
    pub blob_dir: std::path::PathBuf,
    /// The largest file users and managers may attach, in MiB (Telegram lets a bot download
    /// at most 20 MiB).
    #[arg(
        long,
        env = "SUPPORT_MAX_FILE_MIB",
        value_name = "MIB",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=2048)
    )]
    pub max_file_mib: u64,
    /// The Telegram bot's token, to show managers the files the bot did not copy to
    /// `--blob-dir` (fetched through the Bot API while Telegram keeps them). A secret.
    #[arg(long, env = "SUPPORT_TELEGRAM_TOKEN", hide_env_values = true)]
    pub telegram_token: Option<String>,
    /// The Telegram Bot API's URL (a local Bot API server's, say) for `--telegram-token`.
    #[arg(
        long,
        env = "SUPPORT_TELEGRAM_API_URL",
        value_name = "URL",
        default_value = "https://api.telegram.org"
    )]
    pub telegram_api_url: String,
}

/// The format of the program's log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `Debug` shows every setting but the secrets: bot tokens and passwords print `[redacted]`,
/// the database and hub URLs only their scheme (they can carry a password).
impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("bind", &self.bind)
            .field("database", &Redacted::url(&self.database))
            .field("database_pool", &self.database_pool)
            .field("hub", &Redacted::url(&self.hub))
            .field("hub_channel", &self.hub_channel)
            .field("bot_tokens", &vec![Redacted::ALL; self.bot_tokens.len()])
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_url", &self.public_url)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("legacy_anonymous_bot_api", &self.legacy_anonymous_bot_api)
            .field("compat_line", &self.compat_line)
            .field("managers", &self.managers)
            .field("deactivate_managers", &self.deactivate_managers)
            .field("console_dir", &self.console_dir)
            .field("ops_bind", &self.ops_bind)
            .field("no_metrics", &self.no_metrics)
            .field("ready_requires_bot", &self.ready_requires_bot)
            .field("log_format", &self.log_format)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("login_memory_mib", &self.login_memory_mib)
            .field("publish_timeout_ms", &self.publish_timeout_ms)
            .field("event_log_capacity", &self.event_log_capacity)
            .field("blob_dir", &self.blob_dir)
            .field("max_file_mib", &self.max_file_mib)
            .field(
                "telegram_token",
                &self.telegram_token.as_ref().map(|_| Redacted::ALL),
            )
            .field("telegram_api_url", &self.telegram_api_url)
            .finish()
    }
}

/// How a secret setting shows in `Debug`.
#[derive(Clone, Copy)]
struct Redacted<'a>(Option<&'a str>);

impl<'a> Redacted<'a> {
    /// Nothing shown.
    const ALL: Self = Self(None);

    /// A URL's scheme shown (`local`, a hub without one, in full: it holds no secret).
    fn url(url: &'a str) -> Self {
        match url.split_once("://") {
            Some((scheme, _)) => Self(Some(scheme)),
            None if url == "local" || url == "memory:" => Self(Some(url)),
            None => Self::ALL,
        }
    }
}

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(url) if !url.contains(':') => write!(f, "{url}://[redacted]"),
            Some(plain) => f.write_str(plain),
            None => f.write_str("[redacted]"),
        }
    }
}

fn parse_public_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !value.contains(['?', '#']) => {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err("expected http://HOST or https://HOST, optionally with a path".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        Options::command().debug_assert();
    }

    #[test]
    fn defaults_and_repeated_flags() {
        let options = Options::try_parse_from([
            "chatlabs-support-server",
            "--manager",
            "anna:pa:ss",
            "--manager",
            " boris :x",
            "--bot-token",
            "a",
            "--bot-token",
            "b",
        ])
        .unwrap();
        assert_eq!(options.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(options.database, "sqlite://support.db");
        assert_eq!(options.hub, "local");
        assert_eq!(options.log_format, LogFormat::Text);
        assert_eq!(options.bot_tokens, ["a", "b"]);
        let managers: Vec<_> = options
            .managers
            .iter()
            .map(|m| (m.username.as_str(), m.password.as_str()))
            .collect();
        assert_eq!(managers, [("anna", "pa:ss"), ("boris", "x")]);
        assert_eq!(format!("{:?}", options.managers[0]), "anna:[redacted]");
    }

    #[test]
    fn a_manager_needs_a_user_and_a_password() {
        for bad in ["anna", ":pw", "anna:", " :pw"] {
            assert!(
                Options::try_parse_from(["chatlabs-support-server", "--manager", bad]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_public_url_is_an_http_url() {
        let parse = |url: &str| {
            Options::try_parse_from(["chatlabs-support-server", "--public-url", url])
                .map(|o| o.public_url.unwrap())
        };
        assert_eq!(
            parse("https://support.example.com/").unwrap(),
            "https://support.example.com"
        );
        assert_eq!(parse("http://h:8/app").unwrap(), "http://h:8/app");
        for bad in [
            "support.example.com",
            "ftp://h",
            "https://",
            "https:///x",
            "http://h/?a",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    /// `Debug` of the options never shows a token, a password or a URL's credentials.
    #[test]
    fn debug_never_shows_secrets() {
        let options = Options::try_parse_from([
            "chatlabs-support-server",
            "--database",
            "postgres://support:db-s3cret@db/support",
            "--hub",
            "redis://:hub-s3cret@cache:6379",
            "--bot-token",
            "bot-s3cret",
            "--manager",
            "anna:pw-s3cret",
            "--telegram-token",
            "123:tg-s3cret",
        ])
        .unwrap();
        let text = format!("{options:?} {options:#?}");
        for secret in [
            "db-s3cret",
            "hub-s3cret",
            "bot-s3cret",
            "pw-s3cret",
            "tg-s3cret",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("postgres://[redacted]"), "{text}");
        assert!(text.contains("anna:[redacted]"), "{text}");
        let local =
            Options::try_parse_from(["chatlabs-support-server", "--database", "memory:"]).unwrap();
        assert!(format!("{local:?}").contains("hub: local"), "{local:?}");
    }

    /// Every flag that can hold a secret hides its environment value from `--help`.
    #[test]
    fn secret_flags_hide_their_environment_values() {
        let command = Options::command();
        for id in [
            "database",
            "hub",
            "bot_tokens",
            "managers",
            "telegram_token",
        ] {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no flag {id}"));
            assert!(arg.get_env().is_some(), "{id}");
            assert!(arg.is_hide_env_values_set(), "{id} shows its value");
        }
    }

    /// The help is for operators: no references into the specification.
    #[test]
    fn the_help_names_no_spec_ids() {
        let help = Options::command().render_long_help().to_string();
        for id in ["[S", "[A", "[W", "[E", "SPEC"] {
            assert!(!help.contains(id), "{id} in:\n{help}");
        }
    }
}
