//! The golden recordings of the Python original (`tests/golden`) validate against the contract
//! documents: the raw recorded bodies (not the `normalized` copies), each against the schema of
//! its method, path and status; accepted request bodies against the request schemas; every
//! event the server sent against `ServerEvent`; and every event a client sent is valid exactly
//! when our server's decoder and validators accept it.

use serde_json::Value;
use support_protocol::{ClientEvent, validate_text};

use super::Documents;

/// The 0.1.5 recordings, named by file (`163_....json`).
fn recordings() -> Vec<(String, Value)> {
    support_testkit::golden::recordings(support_testkit::golden::LINE_0_1_5)
        .into_iter()
        .map(|(name, case)| (format!("{name}.json"), case))
        .collect()
}

/// Recordings of the Python original that our contract rejects on purpose, each with the
/// reason: where the original is wrong and this implementation differs (SPEC-NOTES). Each must
/// still fail, so an entry that is no longer needed is noticed.
const DEVIATIONS: &[(&str, &str)] = &[(
    "163_messages_after_bad_ws.json",
    "the original stored an empty and a 5,000-character reply sent over its websocket \
     (ws_bad_message_new_text_empty, ws_bad_message_new_text_5000); ours refuses both with an \
     `error` event [W7], so its messages are never empty nor longer than 4,096 characters",
)];

/// `value` as JSON, cut to a readable length.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// What the HTTP recordings came to.
#[derive(Debug, Default)]
struct HttpCounts {
    responses: usize,
    requests: usize,
    /// Answers the original gave as HTML (its 404 and 500 pages) or without a body (its
    /// redirects to the slashed path): our server answers JSON there (SPEC [E1]), so there is
    /// no body to hold against a JSON schema.
    not_json: usize,
    /// Bodies in [`DEVIATIONS`], rejected as they should be.
    deviations: usize,
}

fn cut(error: &str) -> String {
    short(&Value::String(error.to_owned()))
}

/// A client event is valid by the schema exactly when the server would carry it out.
fn server_accepts(data: &Value) -> bool {
    match ClientEvent::from_value(data.clone()) {
        Ok(ClientEvent::Unknown(_)) | Err(_) => false,
        Ok(ClientEvent::MessageNew(m)) => validate_text(&m.text).is_ok(),
        Ok(_) => true,
    }
}

fn check_http(
    docs: &Documents,
    name: &str,
    case: &Value,
    counts: &mut HttpCounts,
    failures: &mut Vec<String>,
) {
    let request = &case["request"];
    let response = &case["response"];
    let method = request["method"].as_str().unwrap().to_ascii_lowercase();
    let path = request["path"].as_str().unwrap();
    let status = u16::try_from(response["status"].as_u64().unwrap()).unwrap();
    let body = &response["body"];
    if body.is_null() || body.get("_non_json_text").is_some() {
        counts.not_json += 1;
        return;
    }
    let Some(item) = docs.path_item(path) else {
        failures.push(format!(
            "{name}: {path} is not a path of the OpenAPI document"
        ));
        return;
    };
    let Some(operation) = item.get(&method) else {
        // A method the path does not serve: 405 with `{"detail"}` (the document's description).
        let schema = serde_json::json!({"$ref": "#/components/schemas/DetailError"});
        match (status, docs.check_http(&schema, body)) {
            (405, Ok(())) => counts.responses += 1,
            (405, Err(e)) => failures.push(format!("{name}: 405 body: {e}")),
            _ => failures.push(format!(
                "{name}: {method} {path} answered {status}, not 405"
            )),
        }
        return;
    };
    let Some(schema) = Documents::response_schema(operation, status) else {
        failures.push(format!(
            "{name}: {method} {path} has no JSON answer {status} in the document"
        ));
        return;
    };
    let deviation = DEVIATIONS.iter().any(|(case, _)| *case == name);
    match (docs.check_http(schema, body), deviation) {
        (Ok(()), false) => counts.responses += 1,
        (Err(_), true) => counts.deviations += 1,
        (Ok(()), true) => failures.push(format!("{name}: listed as a deviation, but valid")),
        (Err(e), false) => failures.push(format!(
            "{name}: the {status} body of {method} {path}: {}",
            cut(&e)
        )),
    }
    if (200..300).contains(&status) && operation.get("requestBody").is_some() {
        let media = if request["content_type"].is_null() {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let schema = &operation["requestBody"]["content"][media]["schema"];
        match docs.check_http(schema, &request["body"]) {
            Ok(()) => counts.requests += 1,
            Err(e) => failures.push(format!("{name}: the accepted request body: {}", cut(&e))),
        }
    }
}

#[test]
fn the_golden_recordings_validate_against_the_documents() {
    let docs = Documents::generated();
    let mut failures = Vec::new();
    let mut http = HttpCounts::default();
    let (mut received, mut sent_valid, mut sent_invalid) = (0, 0, 0);
    for (name, case) in recordings() {
        match case["kind"].as_str() {
            Some("http") => check_http(&docs, &name, &case, &mut http, &mut failures),
            Some("ws") => {
                for event in case["events"].as_array().unwrap() {
                    let data = &event["data"];
                    match event["dir"].as_str() {
                        Some("recv") => match docs.check_event("ServerEvent", data) {
                            Ok(()) => received += 1,
                            Err(e) => failures.push(format!(
                                "{name}: received {}: {}",
                                short(data),
                                cut(&e)
                            )),
                        },
                        Some("send") => {
                            let valid = docs.check_event("ClientEvent", data);
                            match (server_accepts(data), valid) {
                                (true, Ok(())) => sent_valid += 1,
                                (false, Err(_)) => sent_invalid += 1,
                                (true, Err(e)) => failures.push(format!(
                                    "{name}: the server accepts {}, the schema does not: {}",
                                    short(data),
                                    cut(&e)
                                )),
                                (false, Ok(())) => failures.push(format!(
                                    "{name}: the schema accepts {}, the server does not",
                                    short(data)
                                )),
                            }
                        }
                        // Connects, closes and raw (non-JSON) frames carry no event.
                        _ => {}
                    }
                }
            }
            other => failures.push(format!("{name}: unknown kind {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "golden: {} response bodies valid, {} known deviations rejected, {} answers without a \
         JSON body; {} accepted request bodies valid; {received} server events valid; \
         {sent_valid} client events valid and {sent_invalid} invalid, as the server decides",
        http.responses, http.deviations, http.not_json, http.requests
    );
    assert_eq!(http.deviations, DEVIATIONS.len(), "every deviation seen");
    assert!(
        http.responses >= 113,
        "only {} response bodies validated",
        http.responses
    );
    assert!(
        http.requests >= 39,
        "only {} request bodies validated",
        http.requests
    );
    assert!(received >= 27, "only {received} server events validated");
    assert!(
        sent_valid >= 18 && sent_invalid >= 14,
        "{sent_valid} valid, {sent_invalid} invalid client events"
    );
}
