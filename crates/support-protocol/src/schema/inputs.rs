//! What the server accepts in request bodies and client events, as leniently as the Python
//! original (Django REST framework's field coercions). These functions are the `schema_with`
//! and `transform` hooks of the derives on the request types.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

use crate::{TEXT_MAX_CHARS, TITLE_MAX_CHARS, TelegramId};

/// A character field: a string of `1..=max` characters that is not blank, or a JSON number
/// (read as its decimal text). The limits apply after trimming.
fn char_field(what: &str, max: usize) -> Schema {
    json_schema!({
        "description": format!(
            "{what}: 1 to {max} characters (Unicode scalar values) after trimming, not blank; \
             a JSON number is read as its decimal text."
        ),
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": max, "pattern": r"\S"},
            {"type": "number"},
        ],
    })
}

/// A ticket title as the server reads it.
pub(crate) fn lenient_title(_: &mut SchemaGenerator) -> Schema {
    char_field("The title", TITLE_MAX_CHARS)
}

/// A message text as the server reads it.
pub(crate) fn lenient_text(_: &mut SchemaGenerator) -> Schema {
    char_field("The text", TEXT_MAX_CHARS)
}

/// Django REST framework's `BooleanField`: a boolean, `0`/`1`, or one of its spellings.
pub(crate) fn lenient_bool(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A boolean; also `1`/`0` and Django REST framework's spellings \
                        (`\"true\"`, `\"yes\"`, `\"on\"`, `\"1\"`, ... and their opposites).",
        "anyOf": [
            {"type": "boolean"},
            {"enum": [0, 1]},
            {"enum": [
                "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On",
                "ON", "1", "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE",
                "off", "Off", "OFF", "0",
            ]},
        ],
    })
}

/// The extension field `language_code`: the user's Telegram language, as our bot sends it.
fn language_code() -> Value {
    json!({
        "description": "Extension: the user's Telegram language (`from.language_code`), as \
                        our bot sends it; stored on the ticket's user.",
        "type": ["string", "null"],
        "pattern": "^[A-Za-z0-9_-]{1,35}$",
    })
}

fn properties(schema: &mut Schema) -> &mut serde_json::Map<String, Value> {
    let object = schema.ensure_object();
    let properties = object
        .entry("properties")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !properties.is_object() {
        *properties = Value::Object(serde_json::Map::new());
    }
    properties.as_object_mut().unwrap_or_else(|| unreachable!())
}

fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
}

/// `POST {mount}/tickets/` also reads `resolved` (open the ticket resolved, as the original
/// allows) and the extension `language_code`, which `NewTicket` leaves out.
pub(crate) fn new_ticket_extras(schema: &mut Schema) {
    let resolved = lenient_bool(&mut generator()).to_value();
    let properties = properties(schema);
    properties.insert("resolved".to_owned(), resolved);
    properties.insert("language_code".to_owned(), language_code());
}

/// `POST {mount}/tickets/{id}/messages/` also reads the extension `language_code`.
pub(crate) fn new_message_extras(schema: &mut Schema) {
    properties(schema).insert("language_code".to_owned(), language_code());
}

/// `PATCH`/`PUT {mount}/tickets/{id}/` also read `user_id`, which must be the ticket's own.
pub(crate) fn ticket_patch_extras(schema: &mut Schema) {
    let mut user_id = TelegramId::json_schema(&mut generator());
    user_id.insert(
        "description".to_owned(),
        "The ticket's user, which cannot change (`PUT` requires it).".into(),
    );
    properties(schema).insert("user_id".to_owned(), user_id.to_value());
}

/// `ticket.assign` names its ticket `id` (the seed) or `ticket_id`, and `force` may be null.
pub(crate) fn assign_ticket(schema: &mut Schema) {
    let properties = properties(schema);
    if let Some(id) = properties.get("id").cloned() {
        properties.insert("ticket_id".to_owned(), id);
    }
    properties.insert(
        "force".to_owned(),
        json!({
            "description": "Take the ticket over from another manager (default `false`).",
            "type": ["boolean", "null"],
        }),
    );
    let object = schema.ensure_object();
    object.remove("required");
    object.insert(
        "anyOf".to_owned(),
        json!([{"required": ["id"]}, {"required": ["ticket_id"]}]),
    );
}
