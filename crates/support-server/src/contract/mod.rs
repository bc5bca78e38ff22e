//! The contract documents, generated from the types that read and write the wire, and served
//! when turned on ([`SupportServerBuilder::contract`](crate::SupportServerBuilder::contract);
//! the program turns them on):
//!
//! | path | document |
//! |---|---|
//! | `{mount}`[`OPENAPI_PATH`] (`/support/openapi.json`) | OpenAPI 3.1: every HTTP route (REST, auth, websocket upgrades, console page, health when on, these documents), its parameters, bodies, answers per status and security ([`openapi_document`]) |
//! | `{mount}`[`EVENTS_SCHEMA_PATH`] (`/support/schema/events.json`) | JSON Schema 2020-12: every websocket event, both directions, both sockets ([`events_document`]) |
//!
//! The schemas come from `support_protocol`'s `schema` feature (`schemars::JsonSchema` on every
//! wire type): responses and server events as this server writes them, request bodies and client
//! events as it reads them (with the Python original's coercions). The documents of the default
//! layout (with health) are committed as `docs/contract/openapi.json` and
//! `docs/contract/events.schema.json`; a test fails when the code and those files drift apart
//! (`UPDATE_CONTRACT=1 cargo test -p support-server --test it contract` rewrites them), and
//! another validates the golden recordings of the Python original against them.
//!
//! ```
//! use support_server::config::SupportConfig;
//! use support_server::contract::openapi_document;
//!
//! let doc = openapi_document(&SupportConfig::default());
//! assert_eq!(doc["openapi"], "3.1.0");
//! assert!(doc["paths"]["/support/tickets/"]["post"]["responses"]["201"].is_object());
//! ```

mod bodies;
mod openapi;
mod paths;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Value, json};

pub(crate) use bodies::{ManagerInfo, TokenGrant};
pub use openapi::openapi_document;

use crate::config::SupportConfig;
use crate::state::AppState;

/// Where the OpenAPI document is served, under the mount point.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where the websocket events' JSON Schema is served, under the mount point.
pub const EVENTS_SCHEMA_PATH: &str = "/schema/events.json";

/// The JSON Schema of every websocket event
/// ([`support_protocol::schema::events_document`]), with the sockets of this configuration
/// under `x-websockets`: each socket's path, what its client sends and what it receives.
pub fn events_document(config: &SupportConfig) -> Value {
    let mut document = support_protocol::schema::events_document();
    let p = &config.ws_prefix;
    if let Value::Object(map) = &mut document {
        map.insert(
            "x-websockets".to_owned(),
            json!({
                "manager": {
                    "path": format!("{p}/manager/"),
                    "client_sends": {"$ref": "#/$defs/ClientEvent"},
                    "server_sends": {"$ref": "#/$defs/ServerEvent"},
                },
                "bot": {
                    "path": format!("{p}/bot/"),
                    "client_sends": {"$ref": "#/$defs/BotEvent"},
                    "server_sends": {"$ref": "#/$defs/ServerEvent"},
                },
            }),
        );
    }
    document
}

/// A document as it is served and committed: pretty-printed, keys in their generated (stable)
/// order, one newline at the end.
pub fn to_pretty_json(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

/// The two routes; the documents are generated once, here.
pub(crate) fn routes(config: &SupportConfig) -> Router<AppState> {
    let openapi = Bytes::from(to_pretty_json(&openapi_document(config)));
    let events = Bytes::from(to_pretty_json(&events_document(config)));
    Router::new()
        .route(
            &format!("{}{OPENAPI_PATH}", config.mount),
            get(move || std::future::ready(document(openapi.clone()))),
        )
        .route(
            &format!("{}{EVENTS_SCHEMA_PATH}", config.mount),
            get(move || std::future::ready(document(events.clone()))),
        )
}

fn document(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
