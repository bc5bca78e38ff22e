//! The contract documents (`support_server::contract`): committed and in step with the code
//! (`drift`), served as committed (`served`), and true to the wire: the Python original's golden
//! recordings (`golden`), every event type we write (`events`) and our own server's answers
//! (`live`) validate against them, while mutated bodies do not (`rejects`).

mod drift;
mod events;
mod golden;
mod live;
mod rejects;
mod served;

use std::path::PathBuf;

use serde_json::{Value, json};
use support_server::config::SupportConfig;
use support_server::contract::{events_document, openapi_document};

/// The committed OpenAPI document, under the repository root.
pub(crate) const OPENAPI_FILE: &str = "docs/contract/openapi.json";
/// The committed events schema, under the repository root.
pub(crate) const EVENTS_FILE: &str = "docs/contract/events.schema.json";

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The layout the documents are committed for: the program's (default mount and websocket
/// prefix, health and the documents served).
pub(crate) fn committed_config() -> SupportConfig {
    SupportConfig {
        health: true,
        contract: true,
        ..SupportConfig::default()
    }
}

/// The two documents, generated from the code.
pub(crate) struct Documents {
    pub(crate) openapi: Value,
    pub(crate) events: Value,
}

impl Documents {
    pub(crate) fn generated() -> Self {
        let config = committed_config();
        Self {
            openapi: openapi_document(&config),
            events: events_document(&config),
        }
    }

    /// The OpenAPI path template that `path` (a request path, perhaps with a query) falls
    /// under.
    pub(crate) fn path_item(&self, path: &str) -> Option<&Value> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.openapi["paths"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, item)| item)
    }

    /// The schema of the JSON answer `status` of `operation`.
    pub(crate) fn response_schema(operation: &Value, status: u16) -> Option<&Value> {
        operation["responses"][status.to_string()]["content"]["application/json"].get("schema")
    }

    /// Validates `instance` against `schema`, a schema of the OpenAPI document.
    pub(crate) fn check_http(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        check(
            &json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": self.openapi["components"],
                "allOf": [schema],
            }),
            instance,
        )
    }

    /// Validates `instance` against `$defs/{definition}` of the events document.
    pub(crate) fn check_event(&self, definition: &str, instance: &Value) -> Result<(), String> {
        check(
            &json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": self.events["$defs"],
                "$ref": format!("#/$defs/{definition}"),
            }),
            instance,
        )
    }
}

fn check(schema: &Value, instance: &Value) -> Result<(), String> {
    let validator = jsonschema::draft202012::new(schema)
        .unwrap_or_else(|e| panic!("not a valid JSON Schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
