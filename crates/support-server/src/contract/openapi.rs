//! The OpenAPI 3.1 document: its frame (info, security schemes, components) and the small
//! builder [`paths`](super::paths) describes the routes with. OpenAPI 3.1 embeds JSON Schema
//! 2020-12 as it is, so the component schemas are the protocol types' derived schemas,
//! unchanged.

use schemars::generate::Contract;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};
use support_protocol::schema::{
    clean_descriptions, generator, merge_definitions, sorted_definitions,
};

use crate::auth::SESSION_COOKIE;
use crate::config::SupportConfig;

/// Where the schemas live in the document.
const COMPONENTS: &str = "/components/schemas";

/// The schemas of one document: what the server writes (responses) and what it reads (request
/// bodies, parameters), in two generators whose definitions end up side by side.
pub(super) struct Schemas {
    writes: SchemaGenerator,
    reads: SchemaGenerator,
}

impl Schemas {
    fn new() -> Self {
        Self {
            writes: generator(Contract::Serialize, COMPONENTS),
            reads: generator(Contract::Deserialize, COMPONENTS),
        }
    }

    /// The schema (usually a `$ref`) of `T` as the server writes it.
    pub(super) fn written<T: JsonSchema>(&mut self) -> Value {
        self.writes.subschema_for::<T>().to_value()
    }

    /// The schema (usually a `$ref`) of `T` as the server reads it.
    pub(super) fn read<T: JsonSchema>(&mut self) -> Value {
        self.reads.subschema_for::<T>().to_value()
    }

    /// The schema of one property of `T` as the server reads it, for a query parameter: an
    /// `Option`'s `null` taken out (a query parameter is absent, never null).
    pub(super) fn read_property<T: JsonSchema>(&mut self, name: &str) -> Value {
        let schema = T::json_schema(&mut self.reads).to_value();
        let mut property = schema["properties"][name].clone();
        if let Some(types) = property.get_mut("type").and_then(Value::as_array_mut) {
            types.retain(|t| t != "null");
            if let [only] = types.as_slice() {
                property["type"] = only.clone();
            }
        }
        let not_null = |branches: &Vec<Value>| -> Vec<Value> {
            branches
                .iter()
                .filter(|b| **b != json!({"type": "null"}))
                .cloned()
                .collect()
        };
        if let Some(branches) = property
            .get("anyOf")
            .and_then(Value::as_array)
            .map(not_null)
        {
            let description = property.get("description").cloned();
            property = match <[Value; 1]>::try_from(branches) {
                Ok([only]) => only,
                Err(branches) => json!({ "anyOf": branches }),
            };
            if let Some(description) = description {
                property["description"] = description;
            }
        }
        property
    }

    fn into_components(mut self) -> Map<String, Value> {
        let mut definitions = self.writes.take_definitions(true);
        merge_definitions(&mut definitions, self.reads.take_definitions(true))
            .unwrap_or_else(|conflict| panic!("the OpenAPI document: {conflict}"));
        sorted_definitions(definitions)
    }
}

/// Who may call an operation: alternatives, each a set of schemes (OpenAPI's `security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// No credentials.
    Public,
    /// A bot token, a manager (token or session cookie), or nobody with the legacy opt-in.
    BotOrManager,
    /// A manager only.
    Manager,
    /// Whoever: a manager's credentials are used when present.
    Optional,
    /// A bot token only.
    Bot,
}

impl Access {
    fn security(self, config: &SupportConfig) -> Value {
        let bot = json!({"botToken": []});
        let token = json!({"managerToken": []});
        let session = json!({"session": []});
        match self {
            Self::Public => json!([]),
            Self::BotOrManager if config.legacy_anonymous_bot_api => {
                json!([bot, token, session, {}])
            }
            Self::BotOrManager => json!([bot, token, session]),
            Self::Manager => json!([token, session]),
            Self::Optional => json!([{}, token, session]),
            Self::Bot => json!([bot]),
        }
    }
}

/// One operation (a method of a path), built up and then put into the document.
pub(super) struct Operation {
    map: Map<String, Value>,
    parameters: Vec<Value>,
    responses: Map<String, Value>,
}

impl Operation {
    pub(super) fn new(
        tag: &str,
        id: &str,
        summary: &str,
        access: Access,
        config: &SupportConfig,
    ) -> Self {
        let mut map = Map::new();
        map.insert("tags".to_owned(), json!([tag]));
        map.insert("operationId".to_owned(), json!(id));
        map.insert("summary".to_owned(), json!(summary));
        map.insert("security".to_owned(), access.security(config));
        Self {
            map,
            parameters: Vec::new(),
            responses: Map::new(),
        }
    }

    /// A longer explanation.
    pub(super) fn describe(mut self, description: &str) -> Self {
        self.map
            .insert("description".to_owned(), json!(description));
        self
    }

    /// A path parameter.
    pub(super) fn path(mut self, name: &str, description: &str) -> Self {
        self.parameters.push(json!({
            "name": name,
            "in": "path",
            "required": true,
            "description": description,
            "schema": {"type": "integer", "format": "int64", "minimum": 1},
        }));
        self
    }

    /// An optional query parameter.
    pub(super) fn query(mut self, name: &str, mut schema: Value) -> Self {
        let description = schema
            .as_object_mut()
            .and_then(|s| s.remove("description"))
            .unwrap_or(Value::Null);
        let mut parameter = json!({"name": name, "in": "query", "required": false});
        if !description.is_null() {
            parameter["description"] = description;
        }
        parameter["schema"] = schema;
        self.parameters.push(parameter);
        self
    }

    /// A request body, JSON or form-urlencoded (the server reads both; a form's values are
    /// strings, which the fields' coercions accept).
    pub(super) fn body(mut self, schema: Value, description: &str) -> Self {
        let form = json!({ "schema": &schema });
        self.map.insert(
            "requestBody".to_owned(),
            json!({
                "description": description,
                "required": true,
                "content": {
                    "application/json": with_schema(schema),
                    "application/x-www-form-urlencoded": form,
                },
            }),
        );
        self
    }

    /// A `multipart/form-data` body with these parts: `(name, schema, required)`.
    pub(super) fn multipart(mut self, parts: &[(&str, Value, bool)], description: &str) -> Self {
        let properties: Map<String, Value> = parts
            .iter()
            .map(|(name, schema, _)| ((*name).to_owned(), schema.clone()))
            .collect();
        let required: Vec<&str> = parts.iter().filter(|p| p.2).map(|p| p.0).collect();
        self.map.insert(
            "requestBody".to_owned(),
            json!({
                "description": description,
                "required": true,
                "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                }}},
            }),
        );
        self
    }

    /// An answer with a JSON body.
    pub(super) fn json(mut self, status: u16, description: &str, schema: Value) -> Self {
        self.responses.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": {"application/json": with_schema(schema)},
            }),
        );
        self
    }

    /// An answer with a body of another media type.
    pub(super) fn content(mut self, status: u16, description: &str, media_type: &str) -> Self {
        self.responses.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": {media_type: {"schema": {"type": "string"}}},
            }),
        );
        self
    }

    /// An answer without a body.
    pub(super) fn empty(mut self, status: u16, description: &str) -> Self {
        self.responses
            .insert(status.to_string(), json!({"description": description}));
        self
    }

    /// A header of the answer with `status` (which must be added first).
    pub(super) fn header(mut self, status: u16, name: &str, description: &str) -> Self {
        if let Some(response) = self.responses.get_mut(&status.to_string()) {
            response["headers"][name] = json!({
                "description": description,
                "schema": {"type": "string"},
            });
        }
        self
    }

    fn into_value(mut self) -> Value {
        if !self.parameters.is_empty() {
            self.map
                .insert("parameters".to_owned(), Value::Array(self.parameters));
        }
        self.map
            .insert("responses".to_owned(), Value::Object(self.responses));
        Value::Object(self.map)
    }
}

/// `{"schema": schema}`, a media type object.
fn with_schema(schema: Value) -> Value {
    let mut media_type = Map::new();
    media_type.insert("schema".to_owned(), schema);
    Value::Object(media_type)
}

/// The paths of the document, in the order they are added.
#[derive(Default)]
pub(super) struct Paths(Map<String, Value>);

impl Paths {
    /// Adds `operation` as `method` of `path`.
    pub(super) fn add(&mut self, path: &str, method: &str, operation: Operation) {
        let item = self
            .0
            .entry(path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        item[method] = operation.into_value();
    }
}

/// The OpenAPI 3.1 document of the routes `config` lays out: paths under its mount point and
/// websocket prefix, the health routes when they are on, the security its auth allows.
///
/// ```
/// use support_server::config::SupportConfig;
/// let mut config = SupportConfig::default();
/// config.mount = "/helpdesk".to_owned();
/// let doc = support_server::contract::openapi_document(&config);
/// assert!(doc["paths"]["/helpdesk/tickets/{id}/"]["patch"].is_object());
/// assert_eq!(doc["components"]["schemas"]["Ticket"]["type"], "object");
/// ```
pub fn openapi_document(config: &SupportConfig) -> Value {
    let mut schemas = Schemas::new();
    let mut paths = Paths::default();
    super::paths::describe(config, &mut schemas, &mut paths);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "chatlabs-support",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The HTTP API of chatlabs-support's server, generated from the types \
                            that read and write it: the REST API the bot and the manager \
                            console use (wire-compatible with the Django app of chatlabs-support \
                            0.1.5, plus additive extensions), manager authentication, the \
                            websocket upgrades and health. Every REST, auth, console and \
                            websocket path is also served without its trailing slash. A method \
                            a path does not list is answered 405 with a `DetailError` body (on \
                            the tickets paths with an `Allow` header too). The websocket events \
                            are described by the JSON Schema document served next to this one.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "servers": [{"url": "/", "description": "this server"}],
        "tags": [
            {"name": "tickets", "description": "Tickets and their messages [R1]-[R6]."},
            {"name": "auth", "description": "Manager authentication [A1]."},
            {"name": "websockets", "description": "The websocket upgrades [W1]-[W9]."},
            {"name": "console", "description": "The manager console (SPEC section 4)."},
            {"name": "meta", "description": "Health and these documents."},
        ],
        "paths": paths.0,
        "components": {
            "schemas": schemas.into_components(),
            "securitySchemes": security_schemes(config),
        },
    });
    clean_descriptions(&mut document);
    document
}

fn security_schemes(config: &SupportConfig) -> Value {
    let login = format!("{}/auth/token/", config.mount);
    json!({
        "botToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "A bot token from the server's configured set (`--bot-token`) [A2].",
        },
        "managerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": format!(
                "A manager's token from `POST {login}` (or one a host's own authentication \
                 accepts) [A1]."
            ),
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "A manager's session cookie, set by the login route (HttpOnly, \
                            SameSite=Lax). Unsafe methods authenticated by it must come from \
                            the server's own or a trusted `Origin` (CSRF) [A2].",
        },
    })
}
