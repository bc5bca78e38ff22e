//! The route table of the OpenAPI document: every route the server serves, with the types its
//! handlers read and write and the statuses they answer: the REST resources (`rest`, after
//! `api/`), attachments (`attachments`, after `attachments/`), the team's notes and canned replies (`team`, after `api/team.rs`), and
//! authentication, the websocket upgrades, the console page, health and the
//! documents (`others`, after `auth/routes.rs`, `ws/`, `console/`, `health.rs`).

mod attachments;
mod others;
mod rest;
mod team;

use serde_json::Value;
use support_protocol::ErrorBody;
use support_protocol::schema::{DetailError, FieldErrors};

use super::bodies::OptionsMetadata;
use super::openapi::{Access, Operation, Paths, Schemas};
use crate::config::SupportConfig;

/// The answers most operations share.
struct Common {
    detail: Value,
    fields: Value,
    error: Value,
}

impl Common {
    /// The errors of an authenticated REST call: 401 without (valid) credentials, 503 when the
    /// storage fails.
    fn authenticated(&self, op: Operation) -> Operation {
        op.json(
            401,
            "No credentials, or an invalid token.",
            self.detail.clone(),
        )
        .json(
            503,
            "The storage failed (the error is logged).",
            self.detail.clone(),
        )
    }

    /// The errors of a call with a body: malformed or invalid (400), too large (413), not JSON
    /// or a form (415); unsafe calls by session cookie from a foreign `Origin` (403).
    fn with_body(&self, op: Operation) -> Operation {
        op.json(
            400,
            "Field errors, or `{\"detail\"}` for a body that is not JSON [E1].",
            self.error.clone(),
        )
        .json(
            403,
            "CSRF: a cookie-authenticated call from a foreign `Origin`.",
            self.detail.clone(),
        )
        .json(
            413,
            "The body is larger than the configured limit.",
            self.detail.clone(),
        )
        .json(
            415,
            "Neither JSON nor form-urlencoded.",
            self.detail.clone(),
        )
    }

    fn not_found(&self, op: Operation, what: &str) -> Operation {
        op.json(404, what, self.detail.clone())
    }
}

/// Describes every route `config` lays out into `paths`.
pub(super) fn describe(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths) {
    let common = Common {
        detail: schemas.written::<DetailError>(),
        fields: schemas.written::<FieldErrors>(),
        error: schemas.written::<ErrorBody>(),
    };
    rest::tickets(config, schemas, paths, &common);
    rest::messages(config, schemas, paths, &common);
    attachments::routes(config, schemas, paths, &common);
    team::routes(config, schemas, paths, &common);
    others::auth(config, schemas, paths, &common);
    others::websockets(config, paths, &common);
    others::meta(config, schemas, paths);
}

/// `OPTIONS` of a REST resource: Django REST framework's metadata, no credentials needed.
fn options(config: &SupportConfig, schemas: &mut Schemas, id: &str, name: &str) -> Operation {
    Operation::new(
        "tickets",
        id,
        &format!("Metadata of the {name} resource"),
        Access::Public,
        config,
    )
    .json(
        200,
        "The resource's metadata; `Allow` lists its methods.",
        schemas.written::<OptionsMetadata>(),
    )
    .header(200, "Allow", "The methods the path serves.")
}
