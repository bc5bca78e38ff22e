//! The documents are not vacuous: a recorded body made wrong in one place no longer validates,
//! and no body schema accepts anything.

use serde_json::{Value, json};

use super::Documents;

fn ticket() -> Value {
    json!({"id": 21, "user": {"telegram_id": 4}, "support_manager": null,
           "created_at": "2024-12-29T16:10:38.620768Z", "title": "have a prob", "resolved": false})
}

fn message() -> Value {
    json!({"id": 13, "created_at": "2026-11-24T13:14:55.425557Z", "sender": "supp",
           "text": "reply", "viewed": true, "ticket": 16})
}

fn response(docs: &Documents, method: &str, path: &str, status: u16) -> Value {
    let operation = &docs.path_item(path).unwrap()[method];
    Documents::response_schema(operation, status)
        .unwrap()
        .clone()
}

fn request(docs: &Documents, method: &str, path: &str) -> Value {
    docs.path_item(path).unwrap()[method]["requestBody"]["content"]["application/json"]["schema"]
        .clone()
}

/// `base` is valid; each mutation of it is not.
fn rejects(docs: &Documents, schema: &Value, base: &Value, mutations: &[(&str, Value)]) {
    docs.check_http(schema, base)
        .unwrap_or_else(|e| panic!("{base} should be valid: {e}"));
    for (what, mutated) in mutations {
        assert!(
            docs.check_http(schema, mutated).is_err(),
            "{what}: {mutated} should be rejected"
        );
    }
}

fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut v = base.clone();
    *v.pointer_mut(pointer).unwrap() = value;
    v
}

fn without(base: &Value, key: &str) -> Value {
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn mutated_response_bodies_are_rejected() {
    let docs = Documents::generated();
    let t = ticket();
    rejects(
        &docs,
        &response(&docs, "get", "/support/tickets/1/", 200),
        &t,
        &[
            ("no title", without(&t, "title")),
            ("an id as a string", with(&t, "/id", json!("21"))),
            (
                "a timestamp without microseconds",
                with(&t, "/created_at", json!("2024-12-29T16:10:38Z")),
            ),
            (
                "a manager as a number",
                with(&t, "/support_manager", json!(5)),
            ),
            ("a user without an id", with(&t, "/user", json!({}))),
            ("an empty title", with(&t, "/title", json!(""))),
            ("not an object", json!([t])),
        ],
    );
    let m = message();
    let page = json!({"count": 1, "next": null, "previous": null, "results": [m]});
    rejects(
        &docs,
        &response(&docs, "get", "/support/tickets/1/messages/", 200),
        &page,
        &[
            ("no count", without(&page, "count")),
            (
                "an unknown sender",
                with(&page, "/results/0/sender", json!("admin")),
            ),
            (
                "a message without its ticket",
                json!([without(&m, "ticket")]),
            ),
            ("an array of tickets", json!([t])),
        ],
    );
    let fields = json!({"title": ["This field is required."]});
    rejects(
        &docs,
        &response(&docs, "post", "/support/tickets/", 400),
        &fields,
        &[
            (
                "a message not in a list",
                json!({"title": "This field is required."}),
            ),
            ("no field at all", json!({})),
            ("an empty list", json!({"title": []})),
        ],
    );
    rejects(
        &docs,
        &response(&docs, "get", "/support/tickets/1/", 404),
        &json!({"detail": "Not found."}),
        &[
            ("field errors", fields),
            (
                "a detail that is not a string",
                json!({"detail": ["Not found."]}),
            ),
        ],
    );
}

#[test]
fn mutated_request_bodies_are_rejected() {
    let docs = Documents::generated();
    let body = json!({"user_id": 1001, "title": "Help"});
    rejects(
        &docs,
        &request(&docs, "post", "/support/tickets/"),
        &body,
        &[
            ("no user", without(&body, "user_id")),
            ("a boolean user", with(&body, "/user_id", json!(true))),
            (
                "a user that is not a number",
                with(&body, "/user_id", json!("abc")),
            ),
            ("an object title", with(&body, "/title", json!({}))),
            ("a null title", with(&body, "/title", json!(null))),
            ("a blank title", with(&body, "/title", json!("   "))),
            (
                "a 257-character title",
                with(&body, "/title", json!("x".repeat(257))),
            ),
        ],
    );
    let patch = json!({"resolved": "yes"});
    rejects(
        &docs,
        &request(&docs, "patch", "/support/tickets/1/"),
        &patch,
        &[
            (
                "a resolution that is not a boolean",
                json!({"resolved": "banana"}),
            ),
            ("a null resolution", json!({"resolved": null})),
        ],
    );
    rejects(
        &docs,
        &request(&docs, "put", "/support/tickets/1/"),
        &json!({"user_id": "1001", "title": "t"}),
        &[("a partial PUT", json!({"resolved": true}))],
    );
    let text = json!({"text": "hello"});
    rejects(
        &docs,
        &request(&docs, "post", "/support/tickets/1/messages/"),
        &text,
        &[
            ("no text", json!({})),
            ("an empty text", json!({"text": ""})),
            ("a 4097-character text", json!({"text": "x".repeat(4097)})),
            ("an unknown sender", json!({"text": "a", "sender": "admin"})),
        ],
    );
}

#[test]
fn mutated_events_are_rejected() {
    let docs = Documents::generated();
    let assigned = json!({"type": "ticket.assigned", "id": 16, "support_manager": 1});
    docs.check_event("ServerEvent", &assigned).unwrap();
    for bad in [
        with(&assigned, "/id", json!("x")),
        with(&assigned, "/type", json!("ticket.unheard.of")),
        without(&assigned, "support_manager"),
        json!({"type": "ticket.message.new"}),
        json!({"type": "ticket.created", "ticket": 5}),
        json!({"type": "error", "code": "not_found", "detail": "x"}),
    ] {
        assert!(
            docs.check_event("ServerEvent", &bad).is_err(),
            "{bad} should be rejected"
        );
    }
    let new = json!({"type": "ticket.message.new", "ticket_id": 16, "text": "hi"});
    docs.check_event("ClientEvent", &new).unwrap();
    docs.check_event(
        "ClientEvent",
        &json!({"type": "ticket.assign", "ticket_id": "16", "force": true}),
    )
    .unwrap();
    for bad in [
        without(&new, "text"),
        with(&new, "/text", json!(null)),
        json!({"type": "ticket.assign"}),
        json!({"type": "ticket.message.list", "ticket_id": "1 6"}),
    ] {
        assert!(
            docs.check_event("ClientEvent", &bad).is_err(),
            "{bad} should be rejected"
        );
    }
    let sent = json!({"type": "delivery.sent", "message_id": 3, "telegram_message_id": 55});
    docs.check_event("BotEvent", &sent).unwrap();
    assert!(
        docs.check_event(
            "BotEvent",
            &json!({"type": "delivery.failed", "message_id": 3, "kind": "weird"})
        )
        .is_err()
    );
}

/// Every body schema constrains something: no `{}` or `true`, no component that accepts anything.
#[test]
fn no_schema_accepts_anything() {
    let docs = Documents::generated();
    let vacuous = |s: &Value| s == &json!({}) || s == &json!(true);
    let mut bodies = 0;
    for (path, item) in docs.openapi["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut schemas: Vec<&Value> = operation["responses"]
                .as_object()
                .unwrap()
                .values()
                .filter_map(|r| r["content"]["application/json"].get("schema"))
                .collect();
            schemas.extend(operation["requestBody"]["content"]["application/json"].get("schema"));
            for schema in schemas {
                assert!(
                    !vacuous(schema),
                    "{method} {path}: a body schema accepts anything"
                );
                assert!(
                    docs.check_http(schema, &json!("anything")).is_err(),
                    "{method} {path}"
                );
                bodies += 1;
            }
        }
    }
    assert!(bodies > 60, "only {bodies} body schemas");
    for (name, schema) in docs.openapi["components"]["schemas"].as_object().unwrap() {
        assert!(!vacuous(schema), "component {name} accepts anything");
        jsonschema::meta::validate(&with_dialect(schema))
            .unwrap_or_else(|e| panic!("component {name}: {e}"));
    }
    for (name, schema) in docs.events["$defs"].as_object().unwrap() {
        assert!(!vacuous(schema), "event schema {name} accepts anything");
        jsonschema::meta::validate(&with_dialect(schema))
            .unwrap_or_else(|e| panic!("event schema {name}: {e}"));
    }
}

fn with_dialect(schema: &Value) -> Value {
    let mut schema = schema.clone();
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema
}
