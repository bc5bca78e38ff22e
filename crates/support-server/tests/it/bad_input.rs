//! The bad-input table: what clients get for what they should not send, over REST, manager
//! authentication, credentials and the console's static paths. Each row is one request; each
//! must get its status and a JSON body of its shape, and afterwards the stored state (tickets,
//! messages, managers, sessions) must be what it was. The table is the documentation: read a
//! row as "this request → this answer". It runs against every storage backend available.
//!
//! The manager websocket's bad frames have their table in `ws_bad_input.rs` (they need a live
//! socket between rows).

use reqwest::Method;
use serde_json::{Value, json};
use support_protocol::TelegramId;
use support_server::SupportServer;
use support_testkit::backends::backends;
use support_testkit::{BOT_TOKEN, TestServer};

/// Who sends the request.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// No credentials.
    Nobody,
    /// The bot's bearer token.
    Bot,
    /// Anna's session cookie, with the server's own `Origin`.
    Manager,
    /// Anna's session cookie, from another site.
    ManagerElsewhere,
}

/// What the answer's JSON must be.
#[derive(Debug)]
enum Body {
    /// Exactly this.
    Is(Value),
    /// `{"detail": "..."}` starting with this text.
    DetailStarting(&'static str),
    /// A DRF field-error object with exactly these keys.
    Fields(&'static [&'static str]),
}

/// One row: a request and the answer it must get.
#[derive(Debug)]
struct Row {
    what: &'static str,
    who: Who,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    status: u16,
    expect: Body,
}

/// A row without a body.
fn row(what: &'static str, who: Who, method: Method, path: &str, status: u16, expect: Body) -> Row {
    Row {
        what,
        who,
        method,
        path: path.to_owned(),
        content_type: None,
        body: Vec::new(),
        headers: Vec::new(),
        status,
        expect,
    }
}

impl Row {
    /// With a JSON body (as given, which may be broken).
    fn json(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some("application/json");
        self.body = body.into();
        self
    }

    /// With a body of another type.
    fn typed(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type);
        self.body = body.into();
        self
    }

    /// With a header.
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn detail(text: &str) -> Body {
    Body::Is(json!({ "detail": text }))
}

fn field(name: &str, message: &str) -> Body {
    Body::Is(json!({ name: [message] }))
}

const NOT_FOUND: &str = "Not found.";
const NO_TICKET: &str = "No Ticket matches the given query.";
const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";
const REQUIRED: &str = "This field is required.";
const TOO_LARGE: &str = "Request body is too large.";
const INVALID_LOGIN: &str = "Invalid username or password.";
const CSRF: &str = "CSRF Failed: Origin checking failed";

/// `{"detail": ...}` whatever its text.
fn any_detail() -> Body {
    Body::DetailStarting("")
}

/// Every row, for a store holding ticket `t` (with user message `m`) of user 7. Kept one row to
/// a line or two, as a table reads (hence no rustfmt).
#[rustfmt::skip]
fn table(t: i64, m: i64) -> Vec<Row> {
    use Method as M;
    use Who::{Bot, Manager, ManagerElsewhere, Nobody};
    const FORM: &str = "application/x-www-form-urlencoded";
    let tickets = "/support/tickets/";
    let ticket = format!("/support/tickets/{t}/");
    let messages = format!("/support/tickets/{t}/messages/");
    let retry = format!("/support/tickets/{t}/messages/{m}/retry/");
    let big = format!(r#"{{"title": "{}"}}"#, "x".repeat(9 * 1024));
    let login = "/support/auth/login/";
    let token = "/support/auth/token/";
    let assets = "/support/manager/assets";
    let nested = format!("{}1{}", "[".repeat(3_000), "]".repeat(3_000));
    vec![
        // Authentication on the REST API.
        row("no credentials", Nobody, M::GET, tickets, 401, detail(NO_CREDENTIALS)),
        row("a wrong bot token", Nobody, M::GET, tickets, 401, any_detail())
            .header("authorization", "Bearer wrong-token"),
        row("an empty bearer", Nobody, M::GET, tickets, 401, any_detail())
            .header("authorization", "Bearer "),
        row("basic auth", Nobody, M::GET, tickets, 401, any_detail())
            .header("authorization", "Basic YWRtaW46YWRtaW4="),
        row("a forged session cookie", Nobody, M::GET, tickets, 401, any_detail())
            .header("cookie", "support_session=forged"),
        row("no credentials, writing", Nobody, M::POST, tickets, 401, detail(NO_CREDENTIALS))
            .json(r#"{"user_id": 1, "title": "x"}"#),
        row("a manager's write from another site", ManagerElsewhere, M::PATCH, &ticket, 403,
            Body::DetailStarting(CSRF)).json(r#"{"resolved": true}"#),
        // Ticket bodies.
        row("broken JSON", Bot, M::POST, tickets, 400, Body::DetailStarting("JSON parse error"))
            .json(r#"{"user_id": 1,"#),
        row("broken JSON with a charset", Bot, M::POST, tickets, 400,
            Body::DetailStarting("JSON parse error")).typed("application/json; charset=utf-8", "{"),
        row("a list instead of an object", Bot, M::POST, tickets, 400,
            field("non_field_errors", "Invalid data. Expected a dictionary, but got list.")).json("[1]"),
        row("a plain-text body", Bot, M::POST, tickets, 415,
            detail("Unsupported media type \"text/plain\" in request.")).typed("text/plain", "user_id=1"),
        row("an empty object", Bot, M::POST, tickets, 400,
            Body::Is(json!({"user_id": [REQUIRED], "title": [REQUIRED]}))).json("{}"),
        row("a form without a title", Bot, M::POST, tickets, 400, field("title", REQUIRED))
            .typed(FORM, "user_id=1"),
        row("wrong types", Bot, M::POST, tickets, 400, Body::Is(json!({
            "user_id": ["Incorrect type. Expected pk value, received list."],
            "title": ["Not a valid string."]}))).json(r#"{"user_id": [1], "title": {"a": 1}}"#),
        row("a title of 257 characters", Bot, M::POST, tickets, 400,
            field("title", "Ensure this field has no more than 256 characters."))
            .json(format!(r#"{{"user_id": 1, "title": "{}"}}"#, "я".repeat(257))),
        row("a blank first message", Bot, M::POST, tickets, 400,
            field("text", "This field may not be blank."))
            .json(r#"{"user_id": 1, "title": "ok", "text": "   "}"#),
        row("a body over the limit", Bot, M::POST, tickets, 413, detail(TOO_LARGE)).json(big.clone()),
        row("a user id that is not a number", Bot, M::POST, tickets, 400, Body::Fields(&["user_id"]))
            .json(r#"{"user_id": "12a", "title": "x"}"#),
        row("a user id beyond i64", Bot, M::POST, tickets, 400, Body::Fields(&["user_id"]))
            .json(r#"{"user_id": 99999999999999999999999, "title": "x"}"#),
        row("a user id of 1e400", Bot, M::POST, tickets, 400, Body::DetailStarting("JSON parse error"))
            .json(r#"{"user_id": 1e400, "title": "x"}"#),
        row("JSON nested 3,000 deep", Bot, M::POST, tickets, 400,
            Body::DetailStarting("JSON parse error")).json(nested),
        row("invalid UTF-8", Bot, M::POST, tickets, 400, Body::DetailStarting("JSON parse error"))
            .json(b"{\"user_id\": 1, \"title\": \"\xff\xfe\"}".to_vec()),
        // Ticket queries and paths.
        row("user_id=abc", Bot, M::GET, "/support/tickets/?user_id=abc", 400,
            field("user_id", "Enter a number.")),
        row("resolved=maybe", Bot, M::GET, "/support/tickets/?resolved=maybe", 400,
            field("resolved", "Select a valid choice. maybe is not one of the available choices.")),
        row("an unknown ticket", Bot, M::GET, "/support/tickets/99999/", 404, detail(NO_TICKET)),
        row("a ticket id that is a word", Bot, M::GET, "/support/tickets/abc/", 404, detail(NOT_FOUND)),
        row("the messages of ticket abc", Bot, M::GET, "/support/tickets/abc/messages/", 404,
            detail(NOT_FOUND)),
        row("ticket 0", Bot, M::GET, "/support/tickets/0/messages/", 404, detail(NOT_FOUND)),
        row("ticket +1", Bot, M::GET, "/support/tickets/+1/", 404, detail(NOT_FOUND)),
        row("ticket -1", Bot, M::GET, "/support/tickets/-1/", 404, detail(NOT_FOUND)),
        row("ticket 1.0", Bot, M::GET, "/support/tickets/1.0/", 404, detail(NOT_FOUND)),
        row("a ticket id beyond i64", Bot, M::GET, "/support/tickets/99999999999999999999/", 404,
            detail(NOT_FOUND)),
        row("an unknown path under the mount", Bot, M::GET, "/support/nope/", 404, detail(NOT_FOUND)),
        row("DELETE a ticket", Bot, M::DELETE, &ticket, 405, detail("Method \"DELETE\" not allowed.")),
        row("DELETE the list", Bot, M::DELETE, tickets, 405, detail("Method \"DELETE\" not allowed.")),
        row("PATCH the messages", Bot, M::PATCH, &messages, 405, detail("Method \"PATCH\" not allowed."))
            .json("{}"),
        // Ticket updates.
        row("PATCH with broken JSON", Bot, M::PATCH, &ticket, 400, Body::DetailStarting("JSON parse error"))
            .json("{bad"),
        row("PATCH with a list", Bot, M::PATCH, &ticket, 400, Body::Fields(&["non_field_errors"]))
            .json("[]"),
        row("PATCH as plain text", Bot, M::PATCH, &ticket, 415, Body::DetailStarting("Unsupported media type"))
            .typed("text/plain", "resolved=true"),
        row("resolved: banana", Bot, M::PATCH, &ticket, 400, field("resolved", "Must be a valid boolean."))
            .json(r#"{"resolved": "banana"}"#),
        row("resolved=banana in a form", Bot, M::PATCH, &ticket, 400,
            field("resolved", "Must be a valid boolean.")).typed(FORM, "resolved=banana"),
        row("resolved: null", Bot, M::PATCH, &ticket, 400, field("resolved", "This field may not be null."))
            .json(r#"{"resolved": null}"#),
        row("changing the user", Bot, M::PATCH, &ticket, 400,
            field("user_id", "This field cannot be changed.")).json(r#"{"user_id": 8}"#),
        row("a blank title with a valid resolve", Bot, M::PATCH, &ticket, 400,
            field("title", "This field may not be blank.")).json(r#"{"title": "", "resolved": true}"#),
        row("PUT without the required fields", Bot, M::PUT, &ticket, 400,
            Body::Is(json!({"user_id": [REQUIRED], "title": [REQUIRED]}))).json(r#"{"resolved": true}"#),
        row("PATCH an unknown ticket", Bot, M::PATCH, "/support/tickets/99999/", 404, detail(NO_TICKET))
            .json(r#"{"resolved": true}"#),
        row("a PATCH over the limit", Bot, M::PATCH, &ticket, 413, detail(TOO_LARGE)).json(big.clone()),
        // Message bodies.
        row("text: null", Bot, M::POST, &messages, 400, field("text", "This field may not be null."))
            .json(r#"{"text": null}"#),
        row("no text", Bot, M::POST, &messages, 400, field("text", REQUIRED)).json("{}"),
        row("a text of 4,097 characters", Bot, M::POST, &messages, 400,
            field("text", "Ensure this field has no more than 4096 characters."))
            .json(format!(r#"{{"text": "{}"}}"#, "x".repeat(4097))),
        row("the bot writing as support", Bot, M::POST, &messages, 400,
            field("sender", "Only \"user\" messages may be sent through the bot API."))
            .json(r#"{"text": "hi", "sender": "supp"}"#),
        row("an unknown sender", Bot, M::POST, &messages, 400,
            field("sender", "\"admin\" is not a valid choice.")).json(r#"{"text": "hi", "sender": "admin"}"#),
        row("a message to an unknown ticket", Bot, M::POST, "/support/tickets/99999/messages/", 404,
            detail(NO_TICKET)).json(r#"{"text": "x"}"#),
        row("the messages of an unknown ticket", Bot, M::GET, "/support/tickets/99999/messages/", 404,
            detail(NO_TICKET)),
        row("a message body that is a number", Bot, M::POST, &messages, 400,
            Body::Fields(&["non_field_errors"])).json("42"),
        row("a message in a form with a bad sender", Bot, M::POST, &messages, 400, Body::Fields(&["sender"]))
            .typed(FORM, "text=hi&sender=x"),
        row("a message over the limit", Bot, M::POST, &messages, 413, detail(TOO_LARGE)).json(big.clone()),
        // Retrying a delivery.
        row("retrying a user's message", Manager, M::POST, &retry, 409, any_detail()),
        row("the bot retrying", Bot, M::POST, &retry, 403, any_detail()),
        row("retrying an unknown message", Manager, M::POST,
            &format!("/support/tickets/{t}/messages/99999/retry/"), 404, any_detail()),
        row("retrying a message under another ticket", Manager, M::POST,
            &format!("/support/tickets/99999/messages/{m}/retry/"), 404, any_detail()),
        row("retrying without credentials", Nobody, M::POST, &retry, 401, detail(NO_CREDENTIALS)),
        row("GET on retry", Manager, M::GET, &retry, 405, detail("Method \"GET\" not allowed.")),
        // Manager login and tokens.
        row("login without a password", Nobody, M::POST, login, 400, field("password", REQUIRED))
            .json(r#"{"username": "anna"}"#),
        row("login with nothing", Nobody, M::POST, login, 400,
            Body::Is(json!({"username": [REQUIRED], "password": [REQUIRED]}))).json(""),
        row("login with broken JSON", Nobody, M::POST, login, 400, Body::DetailStarting("JSON parse error"))
            .json(r#"{"username": "#),
        row("login with a list", Nobody, M::POST, login, 400,
            field("non_field_errors", "Invalid data. Expected a dictionary.")).json(r#"["anna"]"#),
        row("login with a string", Nobody, M::POST, login, 400,
            field("non_field_errors", "Invalid data. Expected a dictionary.")).json(r#""anna""#),
        row("login as plain text", Nobody, M::POST, login, 415, Body::DetailStarting("Unsupported media type"))
            .typed("text/plain", "anna:pw"),
        row("login with a numeric username", Nobody, M::POST, login, 400, Body::Fields(&["username"]))
            .json(r#"{"username": 12, "password": "pw"}"#),
        row("login as nobody known", Nobody, M::POST, login, 400, detail(INVALID_LOGIN))
            .json(r#"{"username": "zed", "password": "whatever"}"#),
        row("login with a wrong password", Nobody, M::POST, login, 400, detail(INVALID_LOGIN))
            .json(r#"{"username": "anna", "password": "nope"}"#),
        row("a form login with a wrong password", Nobody, M::POST, login, 400, detail(INVALID_LOGIN))
            .typed(FORM, "username=anna&password=nope"),
        row("a login body over the limit", Nobody, M::POST, login, 413, detail(TOO_LARGE)).json(big.clone()),
        row("a login from another site", Nobody, M::POST, login, 403, Body::DetailStarting(CSRF))
            .json(r#"{"username": "anna", "password": "nope"}"#).header("origin", "https://evil.example"),
        row("GET the login", Nobody, M::GET, login, 405, detail("Method \"GET\" not allowed.")),
        row("a token with a wrong password", Nobody, M::POST, token, 400, detail(INVALID_LOGIN))
            .json(r#"{"username": "anna", "password": "nope"}"#),
        row("a token without fields", Nobody, M::POST, token, 400,
            Body::Is(json!({"username": [REQUIRED], "password": [REQUIRED]}))).json("{}"),
        row("a token with a list", Nobody, M::POST, token, 400,
            field("non_field_errors", "Invalid data. Expected a dictionary.")).json("[]"),
        row("a token as plain text", Nobody, M::POST, token, 415, Body::DetailStarting("Unsupported media type"))
            .typed("text/plain", "anna"),
        row("a token body over the limit", Nobody, M::POST, token, 413, detail(TOO_LARGE)).json(big),
        row("GET a token", Nobody, M::GET, token, 405, detail("Method \"GET\" not allowed.")),
        row("who am I, without credentials", Nobody, M::GET, "/support/auth/me/", 401, detail(NO_CREDENTIALS)),
        row("who am I, with a forged token", Nobody, M::GET, "/support/auth/me/", 401, any_detail())
            .header("authorization", "Bearer forged"),
        row("who am I, with the bot's token", Nobody, M::GET, "/support/auth/me/", 401, any_detail())
            .header("authorization", format!("Bearer {BOT_TOKEN}")),
        row("GET the logout", Nobody, M::GET, "/support/auth/logout/", 405, detail("Method \"GET\" not allowed.")),
        row("a logout from another site", ManagerElsewhere, M::POST, "/support/auth/logout/", 403,
            Body::DetailStarting(CSRF)),
        // The console's static paths.
        row("an unknown asset", Nobody, M::GET, &format!("{assets}/nope.js"), 404, detail(NOT_FOUND)),
        row("an asset path with ../", Nobody, M::GET, &format!("{assets}/%2e%2e%2fCargo.toml"), 404,
            detail(NOT_FOUND)),
        row("an asset path escaping thrice", Nobody, M::GET, &format!("{assets}/..%2f..%2f..%2fetc%2fpasswd"),
            404, detail(NOT_FOUND)),
        row("an asset with a NUL", Nobody, M::GET, &format!("{assets}/app.js%00.png"), 404, detail(NOT_FOUND)),
        row("an asset name that does not decode", Nobody, M::GET, &format!("{assets}/%ff%fe"), 404,
            detail(NOT_FOUND)),
        row("an asset named in Cyrillic", Nobody, M::GET, &format!("{assets}/%D1%8F.js"), 404, detail(NOT_FOUND)),
        row("an asset under a directory", Nobody, M::GET, &format!("{assets}/app.js/extra"), 404,
            detail(NOT_FOUND)),
        row("an absolute asset path", Nobody, M::GET, &format!("{assets}/%2fetc%2fpasswd"), 404, detail(NOT_FOUND)),
        row("a backslash asset path", Nobody, M::GET, &format!("{assets}/..%5c..%5cCargo.toml"), 404,
            detail(NOT_FOUND)),
        row("the assets directory itself", Nobody, M::GET, &format!("{assets}/"), 404, detail(NOT_FOUND)),
        row("POST the console page", Nobody, M::POST, "/support/manager/", 405,
            detail("Method \"POST\" not allowed.")),
        row("DELETE an asset", Nobody, M::DELETE, &format!("{assets}/nope.js"), 405,
            detail("Method \"DELETE\" not allowed.")),
        row("PUT the console page", Nobody, M::PUT, "/support/manager/", 405, detail("Method \"PUT\" not allowed."))
            .json("{}"),
        // Websocket paths asked for as plain HTTP.
        row("the manager socket without an upgrade", Manager, M::GET, "/ws/support/manager/", 400, any_detail()),
        row("the bot socket without an upgrade", Bot, M::GET, "/ws/support/bot/", 400, any_detail()),
        row("the bot socket without credentials", Nobody, M::GET, "/ws/support/bot/", 401, any_detail()),
        row("an unknown socket", Nobody, M::GET, "/ws/support/other/", 404, any_detail()),
    ]
}

/// Everything stored that a bad request must not change.
async fn snapshot(s: &TestServer) -> Value {
    let storage = s.storage();
    let mut tickets = Vec::new();
    for t in s
        .bot(Method::GET, "/support/tickets/")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
    {
        let id = t["id"].as_i64().unwrap();
        tickets.push(json!({"ticket": t, "messages": s.messages(id).await}));
    }
    let anna = storage.manager_by_username("anna").await.unwrap();
    json!({
        "tickets": tickets,
        "managers": storage.count_managers().await.unwrap(),
        "anna": format!("{anna:?}"),
        // Rows name users 1 and 8; none may be registered by a refused request.
        "users": [
            storage.user_exists(TelegramId::new(1)).await.unwrap(),
            storage.user_exists(TelegramId::new(7)).await.unwrap(),
            storage.user_exists(TelegramId::new(8)).await.unwrap(),
        ],
    })
}

#[tokio::test]
async fn every_bad_input_gets_its_json_error_and_changes_nothing() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::start(
            SupportServer::builder()
                .shared_storage(storage)
                .bot_token(BOT_TOKEN)
                .body_limit(8 * 1024)
                .build(),
        )
        .await;
        let t = s.create_ticket(7, "keep me").await["id"].as_i64().unwrap();
        let m = s.user_message(t, "kept").await["id"].as_i64().unwrap();
        let (_, session) = s.manager("anna").await;
        let before = snapshot(&s).await;
        let rows = table(t, m);
        let mut failures = Vec::new();
        assert!(rows.len() >= 100, "the table has {} rows", rows.len());
        for row in rows {
            let mut request = s.client.request(row.method.clone(), s.url(&row.path));
            request = match row.who {
                Who::Nobody => request,
                Who::Bot => request.bearer_auth(BOT_TOKEN),
                Who::Manager => request
                    .header("cookie", format!("support_session={session}"))
                    .header("origin", s.origin()),
                Who::ManagerElsewhere => request
                    .header("cookie", format!("support_session={session}"))
                    .header("origin", "https://evil.example"),
            };
            // Logins come from the console's own page unless the row says otherwise.
            let own_origin = !row.headers.iter().any(|(name, _)| *name == "origin");
            if matches!(row.who, Who::Nobody) && row.path.contains("/auth/") && own_origin {
                request = request.header("origin", s.origin());
            }
            if let Some(content_type) = row.content_type {
                request = request
                    .header("content-type", content_type)
                    .body(row.body.clone());
            }
            for (name, value) in &row.headers {
                request = request.header(*name, value.as_str());
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap_or("").to_owned())
                .unwrap_or_default();
            let text = response.text().await.unwrap();
            let what = format!("{backend}: {} ({} {})", row.what, row.method, row.path);
            if let Err(why) = check(&row, status.as_u16(), &content_type, &text) {
                failures.push(format!("{what}: {why}\n    got {status} {text}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} rows answered otherwise:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(
            snapshot(&s).await,
            before,
            "{backend}: stored state changed"
        );
    }
}

/// Whether an answer is the row's: its status, a JSON content type, a body of its shape.
fn check(row: &Row, status: u16, content_type: &str, text: &str) -> Result<(), String> {
    if status != row.status {
        return Err(format!("status {status}, not {}", row.status));
    }
    if !content_type.starts_with("application/json") {
        return Err(format!("content type {content_type:?}"));
    }
    let body: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let object = body.as_object().ok_or("not a JSON object")?;
    match &row.expect {
        Body::Is(expected) if &body == expected => Ok(()),
        Body::Is(expected) => Err(format!("expected {expected}")),
        Body::DetailStarting(start) => match body["detail"].as_str() {
            Some(detail) if detail.starts_with(start) && object.len() == 1 => Ok(()),
            _ => Err(format!("expected {{\"detail\": \"{start}...\"}}")),
        },
        Body::Fields(keys) => {
            let mut got: Vec<&str> = object.keys().map(String::as_str).collect();
            got.sort_unstable();
            let mut want = keys.to_vec();
            want.sort_unstable();
            let messages_ok = object.values().all(|messages| {
                messages
                    .as_array()
                    .is_some_and(|list| !list.is_empty() && list.iter().all(Value::is_string))
            });
            if got == want && messages_ok {
                Ok(())
            } else {
                Err(format!("expected field errors for {want:?}"))
            }
        }
    }
}
