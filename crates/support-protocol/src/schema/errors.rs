//! The error shapes of the REST API \[E1\] and the websocket `error` event's code \[W7\].

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{ErrorBody, ErrorCode};

/// The schema of [`ErrorBody::Detail`], `{"detail": "..."}`: the body of every error but a
/// validation 400. A schema-only type (no value is ever made), so an API document can refer to
/// the one shape a status has.
#[derive(Debug, Clone, Copy)]
pub struct DetailError;

/// The schema of [`ErrorBody::Fields`], Django REST framework's validation errors
/// `{"field": ["message", ...], ...}`. A schema-only type, like [`DetailError`].
#[derive(Debug, Clone, Copy)]
pub struct FieldErrors;

impl JsonSchema for DetailError {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("DetailError")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An error explained in one sentence (404, 401, 403, 405, 409, 413, \
                            415, 429, 503, and a 400 for a body that is not JSON).",
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        })
    }
}

impl JsonSchema for FieldErrors {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("FieldErrors")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Validation errors: each field at fault (or `non_field_errors`) with \
                            its messages, in the order they were found.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
            },
        })
    }
}

impl JsonSchema for ErrorBody {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorBody")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An error body in the Python original's shapes [E1].",
            "anyOf": [
                generator.subschema_for::<DetailError>(),
                generator.subschema_for::<FieldErrors>(),
            ],
        })
    }
}

/// Every code [`ErrorCode`] knows.
const KNOWN_CODES: [ErrorCode; 7] = [
    ErrorCode::InvalidJson,
    ErrorCode::UnknownType,
    ErrorCode::InvalidField,
    ErrorCode::NotFound,
    ErrorCode::AlreadyAssigned,
    ErrorCode::Forbidden,
    ErrorCode::TooLarge,
];

impl JsonSchema for ErrorCode {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let known: Vec<&str> = KNOWN_CODES.iter().map(ErrorCode::as_str).collect();
        if generator.contract().is_serialize() {
            json_schema!({
                "description": "The stable code of an `error` event [W7].",
                "type": "string",
                "enum": known,
            })
        } else {
            json_schema!({
                "description": format!(
                    "The stable code of an `error` event [W7]: {}, or a code a later version \
                     adds.",
                    known.join(", ")
                ),
                "type": "string",
            })
        }
    }
}
