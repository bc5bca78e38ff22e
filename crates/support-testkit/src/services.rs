//! The services a test may need, found through the environment: Postgres, Redis, and whether
//! this is CI (where nothing may be skipped).

use std::io::Write as _;

/// The variable naming the Postgres server of the tests.
pub const POSTGRES_URL_VAR: &str = "SUPPORT_TEST_POSTGRES_URL";
/// The variable naming the Redis server of the tests.
pub const REDIS_URL_VAR: &str = "SUPPORT_TEST_REDIS_URL";

/// The Postgres URL, or `None` after a line saying `test` is skipped.
pub fn postgres_url(test: &str) -> Option<String> {
    url_of(POSTGRES_URL_VAR, test)
}

/// The Redis URL, or `None` after a line saying `test` is skipped.
pub fn redis_url(test: &str) -> Option<String> {
    url_of(REDIS_URL_VAR, test)
}

fn url_of(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skipped(test, &format!("{var} is not set"));
            None
        }
    }
}

/// Says that `test` is skipped and why, on stderr (libtest would swallow a passing test's
/// captured output).
pub fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "{test}: skipped: {why}");
}

/// Whether `CI` is set (to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}
