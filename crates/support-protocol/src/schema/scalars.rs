//! The hand-serialized scalars: typed ids and [`Timestamp`]. Their serde impls are written out
//! (lenient reads, strict writes), so their schemas are too, one per contract.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{AttachmentId, ManagerId, MessageId, TelegramId, TicketId, Timestamp};

/// What a timestamp looks like when this implementation writes it \[C4\].
pub(crate) const TIMESTAMP_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$";

/// What `str::parse::<i64>` accepts after trimming (the lenient id reader).
const INTEGER_TEXT_PATTERN: &str = r"^\s*[+-]?\d+\s*$";

/// An id: written as a JSON integer (`minimum` when the id is a database key, which starts at
/// 1); read from an integer, an integral float (JSON Schema counts `16.0` as an integer), or a
/// string holding an integer (`"16"`).
fn id_schema(generator: &SchemaGenerator, what: &str, positive: bool) -> Schema {
    if generator.contract().is_serialize() {
        let mut schema = json_schema!({
            "type": "integer",
            "format": "int64",
            "description": format!("A {what}."),
        });
        if positive {
            schema.insert("minimum".to_owned(), 1.into());
        }
        schema
    } else {
        json_schema!({
            "description": format!("A {what}: an integer, or a string holding one."),
            "anyOf": [
                {"type": "integer", "format": "int64"},
                {"type": "string", "pattern": INTEGER_TEXT_PATTERN},
            ],
        })
    }
}

macro_rules! id_schema {
    ($name:ident, $what:literal, $positive:literal) => {
        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                id_schema(generator, $what, $positive)
            }
        }
    };
}

id_schema!(TicketId, "ticket id", true);
id_schema!(MessageId, "message id", true);
id_schema!(AttachmentId, "attachment id", true);
id_schema!(ManagerId, "manager id", true);
id_schema!(TelegramId, "Telegram user id", false);

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        if generator.contract().is_serialize() {
            json_schema!({
                "type": "string",
                "format": "date-time",
                "pattern": TIMESTAMP_PATTERN,
                "description": "UTC, RFC 3339, six fractional digits and `Z` [C4].",
            })
        } else {
            json_schema!({
                "type": "string",
                "format": "date-time",
                "description": "Any RFC 3339 datetime.",
            })
        }
    }
}
