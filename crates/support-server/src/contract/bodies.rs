//! The bodies of the routes outside the REST API proper (authentication, health, `OPTIONS`),
//! which the protocol crate does not define. The auth routes write [`ManagerInfo`] and
//! [`TokenGrant`] themselves; the others mirror a `json!` body of their module, and the
//! contract tests check them against the live server's answers.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use support_protocol::ManagerId;

/// A manager as the auth endpoints show them (`login/`, `me/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct ManagerInfo {
    /// The manager id.
    pub(crate) id: ManagerId,
    /// The login name (empty for a manager only a host's own authentication knows).
    pub(crate) username: String,
    /// First name, possibly empty.
    pub(crate) first_name: String,
    /// Last name, possibly empty.
    pub(crate) last_name: String,
    /// How to name the manager: first and last name, else the username (extension, as on
    /// tickets' `support_manager`).
    pub(crate) display_name: String,
}

/// The answer of `POST {mount}/auth/token/`: a bearer token for programmatic clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct TokenGrant {
    /// The token, for `Authorization: Bearer <token>`.
    pub(crate) token: String,
    /// Seconds until it expires.
    pub(crate) expires_in: u64,
}

/// The body of `login/` and `token/`, JSON or form-urlencoded (schema only: the route reads
/// the fields one by one, with Django REST framework's messages).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct Credentials {
    /// The login name.
    #[schemars(length(min = 1))]
    username: String,
    /// The password.
    #[schemars(length(min = 1))]
    password: String,
}

/// `ok`, or `unavailable` for a failing part.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
#[schemars(rename = "PartStatus")]
pub(crate) enum Status {
    /// It answers.
    Ok,
    /// It does not.
    Unavailable,
}

/// The answer of `/healthz` (mirrors `crate::health`).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct Liveness {
    /// Always `ok`: the process is up.
    #[schemars(extend("const" = "ok"))]
    status: String,
}

/// The answer of `/readyz` (mirrors `crate::health`): 200 when every part answers, 503 with
/// the failing parts.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct Readiness {
    /// `ok`, or `unavailable` when a part fails.
    status: Status,
    /// Each part (`storage`, `hub`) and its state.
    checks: BTreeMap<String, Status>,
    /// The failing parts (503 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failing: Vec<String>,
}

/// The answer of `OPTIONS` on a REST resource: Django REST framework's metadata (mirrors
/// `api::meta`).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct OptionsMetadata {
    /// The view's name (`Ticket List`, `Ticket`, `Message List`).
    name: String,
    /// Always empty.
    description: String,
    /// The media types of responses.
    renders: Vec<String>,
    /// The media types of request bodies.
    parses: Vec<String>,
}
