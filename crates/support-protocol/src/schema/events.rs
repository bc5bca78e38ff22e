//! The websocket events: [`ClientEvent`], [`ServerEvent`] and [`BotEvent`] are `type`-tagged
//! unions whose serde impls are written out (`event_codec.rs`), so their schemas are too: one
//! branch per known type, the payload's derived schema plus `type` as a constant. The
//! `Unknown` variants (forward compatibility \[C3\]) are not part of the contract.

use std::borrow::Cow;

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use super::text::clean_descriptions;
use crate::{
    AssignTicket, BotEvent, CannedChanged, ClientEvent, DeliveryFailed, DeliveryOffer,
    DeliveryProceed, DeliverySending, DeliverySent, ErrorEvent, ListMessages, MarkViewed,
    MessageDelivery, MessageList, MessageNew, MessageViewed, NoteNew, Resumed, ResyncRequired,
    SendMessage, ServerEvent, TicketAssigned, TicketCreated, TicketTyping, TicketUpdated, Typing,
    UserBlocked, UserUpdated,
};

/// A generator for a contract document: JSON Schema draft 2020-12, the definitions under
/// `definitions_path` (`"/$defs"` for a JSON Schema document, `"/components/schemas"` for
/// OpenAPI 3.1), describing what is written ([`Contract::Serialize`]) or what is read
/// ([`Contract::Deserialize`]).
pub fn generator(contract: Contract, definitions_path: &str) -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.contract = contract;
    settings.definitions_path = definitions_path.to_owned().into();
    settings.into_generator()
}

/// Moves the definitions of `from` into `into`. A name defined differently in both (a type
/// whose written and read shapes differ, used on both sides) is an error naming it.
pub fn merge_definitions(
    into: &mut Map<String, Value>,
    from: Map<String, Value>,
) -> Result<(), String> {
    for (name, schema) in from {
        match into.get(&name) {
            Some(existing) if *existing != schema => {
                return Err(format!(
                    "the schema {name:?} differs between the serialize and deserialize contracts"
                ));
            }
            _ => {
                into.insert(name, schema);
            }
        }
    }
    Ok(())
}

/// `definitions` sorted by name, for a stable, readable document.
pub fn sorted_definitions(definitions: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = definitions.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// One branch of a tagged union: the payload's schema and `"type": <kind>`.
fn branch<T: JsonSchema>(generator: &mut SchemaGenerator, kind: &str) -> Value {
    let payload = generator.subschema_for::<T>().to_value();
    let tag = json!({"type": {"const": kind}});
    match payload {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("$ref") => {
            map.insert("properties".to_owned(), tag);
            map.insert("required".to_owned(), json!(["type"]));
            Value::Object(map)
        }
        other => json!({"allOf": [other], "properties": tag, "required": ["type"]}),
    }
}

fn union(description: &str, branches: &[Value]) -> Schema {
    json_schema!({
        "description": description,
        "type": "object",
        "properties": {"type": {"type": "string"}},
        "required": ["type"],
        "oneOf": branches,
    })
}

impl JsonSchema for ClientEvent {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("ClientEvent")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let branches = vec![
            branch::<AssignTicket>(generator, AssignTicket::TYPE),
            branch::<MarkViewed>(generator, MarkViewed::TYPE),
            branch::<SendMessage>(generator, SendMessage::TYPE),
            branch::<ListMessages>(generator, ListMessages::TYPE),
            branch::<Typing>(generator, Typing::TYPE),
        ];
        union(
            "An event a manager's client sends on the manager websocket. Any other `type` is \
             answered with an `error` event `unknown_type`; a known type with a bad payload \
             with `invalid_field` [W7].",
            &branches,
        )
    }
}

impl JsonSchema for ServerEvent {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("ServerEvent")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let branches = vec![
            branch::<TicketCreated>(generator, TicketCreated::TYPE),
            branch::<TicketAssigned>(generator, TicketAssigned::TYPE),
            branch::<MessageNew>(generator, MessageNew::TYPE),
            branch::<MessageViewed>(generator, MessageViewed::TYPE),
            branch::<MessageList>(generator, MessageList::TYPE),
            branch::<TicketUpdated>(generator, TicketUpdated::TYPE),
            branch::<MessageDelivery>(generator, MessageDelivery::TYPE),
            branch::<UserBlocked>(generator, UserBlocked::TYPE),
            branch::<UserUpdated>(generator, UserUpdated::TYPE),
            branch::<NoteNew>(generator, NoteNew::TYPE),
            branch::<CannedChanged>(generator, CannedChanged::TYPE),
            branch::<TicketTyping>(generator, TicketTyping::TYPE),
            branch::<DeliveryOffer>(generator, DeliveryOffer::TYPE),
            branch::<DeliveryProceed>(generator, DeliveryProceed::TYPE),
            branch::<ErrorEvent>(generator, ErrorEvent::TYPE),
            branch::<Resumed>(generator, Resumed::TYPE),
            branch::<ResyncRequired>(generator, ResyncRequired::TYPE),
        ];
        let mut schema = union(
            "An event the server sends on the manager websocket or the bot websocket. Clients \
             ignore a `type` they do not know, and fields they do not know [C3].",
            &branches,
        );
        let seq = json!({
            "type": "integer",
            "minimum": 0,
            "description": "Extension (resumable events): the event's number on the manager \
                websocket, one more for every event the server publishes; on `resumed` and \
                `resync_required`, the client's cursor from then on. Absent on the answers \
                to a client's own requests and on `error`. Reconnect with `?since=<seq>` to \
                be replayed what came after it."
        });
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            properties.insert("seq".to_owned(), seq);
        }
        schema
    }
}

impl JsonSchema for BotEvent {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("BotEvent")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let branches = vec![
            branch::<DeliverySending>(generator, DeliverySending::TYPE),
            branch::<DeliverySent>(generator, DeliverySent::TYPE),
            branch::<DeliveryFailed>(generator, DeliveryFailed::TYPE),
        ];
        union(
            "An event a bot sends on the bot websocket in delivery mode (extension).",
            &branches,
        )
    }
}

/// The JSON Schema document (draft 2020-12) of every websocket event, both directions:
/// `$defs/ClientEvent` (manager client → server, as the server reads it), `$defs/ServerEvent`
/// (server → manager and bot clients, as the server writes it), `$defs/BotEvent` (bot →
/// server), each payload under its type's name. The root accepts an event of any of the three.
///
/// ```
/// let doc = support_protocol::schema::events_document();
/// assert!(doc["$defs"]["ServerEvent"]["oneOf"].as_array().unwrap().len() >= 11);
/// ```
pub fn events_document() -> Value {
    let mut reads = generator(Contract::Deserialize, "/$defs");
    let mut writes = generator(Contract::Serialize, "/$defs");
    let client = reads.subschema_for::<ClientEvent>();
    let bot = reads.subschema_for::<BotEvent>();
    let server = writes.subschema_for::<ServerEvent>();
    let mut definitions = writes.take_definitions(true);
    merge_definitions(&mut definitions, reads.take_definitions(true))
        .unwrap_or_else(|conflict| panic!("the events document: {conflict}"));
    let mut document = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "chatlabs-support websocket events",
        "description": "Every event of the manager websocket and the bot websocket, generated \
                        from the support-protocol types. `ClientEvent`: what a manager's \
                        client sends (as leniently as the server reads it); `ServerEvent`: \
                        what the server sends; `BotEvent`: what a bot in delivery mode sends. \
                        Each event is one JSON object per text frame, tagged by `type`.",
        "anyOf": [client, server, bot],
        "$defs": sorted_definitions(definitions),
    });
    clean_descriptions(&mut document);
    document
}
