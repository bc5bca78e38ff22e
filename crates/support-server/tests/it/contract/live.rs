//! Our own server's answers validate against the document, status by status: the bodies the
//! document only mirrors (health, `OPTIONS`, auth) included, so those cannot drift either.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use support_server::SupportServer;
use support_testkit::{BOT_TOKEN, TestServer};

use super::Documents;

struct Live {
    server: TestServer,
    docs: Documents,
    checked: usize,
}

impl Live {
    /// Sends `request` (to `path`, a route of the document) and validates the answer against
    /// the schema of its status; a status the document does not list for the operation fails.
    async fn check(&mut self, method: Method, path: &str, request: RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let item = self
            .docs
            .path_item(path)
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        let method_name = method.as_str().to_ascii_lowercase();
        let Some(operation) = item.get(&method_name) else {
            assert_eq!(status, 405, "{method} {path}: not in the document, so 405");
            let schema = json!({"$ref": "#/components/schemas/DetailError"});
            self.docs.check_http(&schema, &body).unwrap();
            self.checked += 1;
            return (status, body);
        };
        let answer = &operation["responses"][status.to_string()];
        assert!(
            answer.is_object(),
            "{method} {path}: {status} is not in the document ({text})"
        );
        if let Some(schema) = Documents::response_schema(operation, status) {
            self.docs
                .check_http(schema, &body)
                .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}\n{text}"));
        } else {
            assert!(
                text.is_empty(),
                "{method} {path} {status}: a body the document does not describe"
            );
        }
        self.checked += 1;
        (status, body)
    }

    fn bot(&self, method: Method, path: &str) -> RequestBuilder {
        self.server.bot(method, path)
    }

    fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.server.client.request(method, self.server.url(path))
    }
}

#[tokio::test]
async fn our_answers_validate_against_the_document() {
    let server = TestServer::start(
        SupportServer::builder()
            .bot_token(BOT_TOKEN)
            .health(true)
            .contract(true)
            .build(),
    )
    .await;
    let mut live = Live {
        server,
        docs: Documents::generated(),
        checked: 0,
    };
    let g = Method::GET;
    let post = Method::POST;

    // Tickets.
    let list = "/support/tickets/";
    let r = live
        .bot(post.clone(), list)
        .json(&json!({"user_id": 1001, "title": "Help", "text": "first"}));
    let (status, ticket) = live.check(post.clone(), list, r).await;
    assert_eq!(status, 201);
    let id = ticket["id"].as_i64().unwrap();
    let detail = format!("/support/tickets/{id}/");
    let messages = format!("/support/tickets/{id}/messages/");
    let r = live.bot(post.clone(), list).json(&json!({}));
    assert_eq!(live.check(post.clone(), list, r).await.0, 400);
    let r = live
        .bot(post.clone(), list)
        .header("content-type", "application/json")
        .body("{nope");
    assert_eq!(live.check(post.clone(), list, r).await.0, 400);
    let r = live
        .bot(post.clone(), list)
        .header("content-type", "text/plain")
        .body("hi");
    assert_eq!(live.check(post.clone(), list, r).await.0, 415);
    let r = live
        .bot(post.clone(), list)
        .json(&json!({"user_id": 1, "title": "x".repeat(70_000)}));
    assert_eq!(live.check(post.clone(), list, r).await.0, 413);
    for query in ["", "?limit=1", "?resolved=false&user_id=1001"] {
        let r = live.bot(g.clone(), &format!("{list}{query}"));
        assert_eq!(live.check(g.clone(), list, r).await.0, 200);
    }
    let r = live.bot(g.clone(), &format!("{list}?resolved=maybe"));
    assert_eq!(live.check(g.clone(), list, r).await.0, 400);
    let r = live.anonymous(g.clone(), list);
    assert_eq!(live.check(g.clone(), list, r).await.0, 401);
    let r = live.bot(g.clone(), &detail);
    assert_eq!(live.check(g.clone(), &detail, r).await.0, 200);
    let r = live.bot(g.clone(), "/support/tickets/999999/");
    assert_eq!(
        live.check(g.clone(), "/support/tickets/999999/", r).await.0,
        404
    );
    let r = live
        .bot(Method::PATCH, &detail)
        .json(&json!({"resolved": true}));
    assert_eq!(live.check(Method::PATCH, &detail, r).await.0, 200);
    let r = live
        .bot(Method::PUT, &detail)
        .json(&json!({"resolved": false}));
    assert_eq!(live.check(Method::PUT, &detail, r).await.0, 400);
    let r = live
        .bot(Method::PUT, &detail)
        .json(&json!({"user_id": 1001, "title": "Help!", "resolved": false}));
    assert_eq!(live.check(Method::PUT, &detail, r).await.0, 200);
    for path in [list, detail.as_str(), messages.as_str()] {
        let r = live.anonymous(Method::OPTIONS, path);
        assert_eq!(live.check(Method::OPTIONS, path, r).await.0, 200);
        let r = live.bot(Method::DELETE, path);
        assert_eq!(live.check(Method::DELETE, path, r).await.0, 405);
    }

    // Messages.
    let r = live
        .bot(post.clone(), &messages)
        .json(&json!({"text": "second", "language_code": "en"}));
    let (status, message) = live.check(post.clone(), &messages, r).await;
    assert_eq!(status, 201);
    let r = live
        .bot(post.clone(), &messages)
        .json(&json!({"text": "x", "sender": "supp"}));
    assert_eq!(live.check(post.clone(), &messages, r).await.0, 400);
    for query in ["", "?limit=1", "?limit=1&offset=1"] {
        let r = live.bot(g.clone(), &format!("{messages}{query}"));
        assert_eq!(live.check(g.clone(), &messages, r).await.0, 200);
    }
    let r = live.bot(g.clone(), "/support/tickets/999999/messages/");
    assert_eq!(
        live.check(g.clone(), "/support/tickets/999999/messages/", r)
            .await
            .0,
        404
    );
    let retry = format!("{messages}{}/retry/", message["id"]);
    let r = live.bot(post.clone(), &retry);
    assert_eq!(live.check(post.clone(), &retry, r).await.0, 403);

    // A manager: login, me, token, retry, logout.
    live.server
        .manager_with_password("anna", "s3cret-pw", "Anna", "K")
        .await;
    let login = "/support/auth/login/";
    let r = live
        .anonymous(post.clone(), login)
        .json(&json!({"username": "anna", "password": "wrong"}));
    assert_eq!(live.check(post.clone(), login, r).await.0, 400);
    let r = live
        .anonymous(post.clone(), login)
        .json(&json!({"username": ""}));
    assert_eq!(live.check(post.clone(), login, r).await.0, 400);
    let r = live
        .anonymous(post.clone(), login)
        .form(&[("username", "anna"), ("password", "s3cret-pw")]);
    let response = r.try_clone().unwrap().send().await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(live.check(post.clone(), login, r).await.0, 200);
    let token_path = "/support/auth/token/";
    let r = live
        .anonymous(post.clone(), token_path)
        .json(&json!({"username": "anna", "password": "s3cret-pw"}));
    let (status, grant) = live.check(post.clone(), token_path, r).await;
    assert_eq!(status, 200);
    let token = grant["token"].as_str().unwrap().to_owned();
    let me = "/support/auth/me/";
    let r = live.anonymous(g.clone(), me).header("cookie", &cookie);
    assert_eq!(live.check(g.clone(), me, r).await.0, 200);
    let r = live.anonymous(g.clone(), me).bearer_auth(&token);
    assert_eq!(live.check(g.clone(), me, r).await.0, 200);
    let r = live.anonymous(g.clone(), me);
    assert_eq!(live.check(g.clone(), me, r).await.0, 401);
    let r = live.anonymous(post.clone(), &retry).bearer_auth(&token);
    assert_eq!(live.check(post.clone(), &retry, r).await.0, 409);
    let r = live
        .anonymous(post.clone(), "/support/tickets/999999/messages/1/retry/")
        .bearer_auth(&token);
    assert_eq!(
        live.check(post.clone(), "/support/tickets/999999/messages/1/retry/", r)
            .await
            .0,
        404
    );
    let r = live
        .anonymous(post.clone(), &messages)
        .bearer_auth(&token)
        .json(&json!({"text": "a reply"}));
    assert_eq!(live.check(post.clone(), &messages, r).await.0, 201);
    let r = live
        .anonymous(post.clone(), list)
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"user_id": 1, "title": "t"}));
    assert_eq!(live.check(post.clone(), list, r).await.0, 403);
    let logout = "/support/auth/logout/";
    let r = live
        .anonymous(post.clone(), logout)
        .header("cookie", &cookie);
    assert_eq!(live.check(post.clone(), logout, r).await.0, 204);

    // Websocket upgrades refused, the console page, health, the documents.
    let ws = "/ws/support/manager/";
    let r = live.anonymous(g.clone(), ws);
    assert_eq!(live.check(g.clone(), ws, r).await.0, 401);
    let r = live.anonymous(g.clone(), "/ws/support/bot/");
    assert_eq!(live.check(g.clone(), "/ws/support/bot/", r).await.0, 401);
    for path in [
        "/support/manager/",
        "/healthz",
        "/readyz",
        "/support/openapi.json",
        "/support/schema/events.json",
    ] {
        let response = live.anonymous(g.clone(), path).send().await.unwrap();
        let status = response.status().as_u16();
        assert_eq!(status, 200, "{path}");
        let item = live.docs.path_item(path).unwrap();
        assert!(item["get"]["responses"]["200"].is_object(), "{path}");
        if let Some(schema) = Documents::response_schema(&item["get"], 200) {
            let body: Value = response.json().await.unwrap();
            live.docs
                .check_http(schema, &body)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        live.checked += 1;
    }
    assert!(live.checked >= 45, "only {} answers checked", live.checked);
}
