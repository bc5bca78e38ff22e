//! The built-in manager authentication \[A1\] over real HTTP: login (JSON and form) with an
//! HttpOnly SameSite cookie, logout, me, bearer tokens, throttling, and manager upserts.

use reqwest::StatusCode;
use serde_json::{Value, json};
use support_server::SupportServer;
use support_server::auth::{MAX_FAILURES, NoManagers, create_or_update_manager};

use support_testkit::TestServer;

const INVALID: &str = "Invalid username or password.";

async fn server_with_anna() -> (TestServer, i64) {
    let s = TestServer::default_server().await;
    let anna =
        create_or_update_manager(s.support.state().storage(), "anna", "s3cret!", "Anna", "K")
            .await
            .unwrap();
    (s, anna.id.get())
}

/// `POST path` (login or token) with `username` and `password` as JSON.
async fn post_credentials(
    s: &TestServer,
    path: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    s.client
        .post(s.url(path))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A session cookie (`support_session=…`) and a bearer token for `username`.
async fn cookie_and_token(s: &TestServer, username: &str, password: &str) -> (String, String) {
    let login = post_credentials(s, "/support/auth/login/", username, password).await;
    let token = post_credentials(s, "/support/auth/token/", username, password)
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    (cookie_of(&login), token)
}

fn cookie_of(r: &reqwest::Response) -> String {
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn login_me_logout() {
    let (s, anna) = server_with_anna().await;
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .json(&json!({"username": "anna", "password": "s3cret!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in [
        "support_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=",
    ] {
        assert!(set.contains(attr), "{set} lacks {attr}");
    }
    let token = set
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("support_session=");
    assert_eq!(token.len(), 64, "32 random bytes, hex");
    // Only the hash is stored: the token itself is not a stored session key.
    let cookie = cookie_of(&r);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body.to_string(),
        json!({"id": anna, "username": "anna", "first_name": "Anna", "last_name": "K", "display_name": "Anna K"}).to_string()
    );

    let me = s
        .client
        .get(s.url("/support/auth/me/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap(), body);

    // The manager may use the REST API with the cookie (safe method: no Origin needed).
    let r = s
        .client
        .get(s.url("/support/tickets/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = s
        .client
        .post(s.url("/support/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cleared = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("support_session=;") && cleared.contains("Max-Age=0"));
    let me = s
        .client
        .get(s.url("/support/auth/me/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert_eq!(
        me.json::<Value>().await.unwrap(),
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn form_login_and_wrong_credentials() {
    let (s, _) = server_with_anna().await;
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .form(&[("username", "anna"), ("password", "s3cret!")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    for (username, password) in [
        ("anna", "wrong"),
        ("nobody", "s3cret!"),
        ("ANNA", "s3cret!"),
    ] {
        let r = s
            .client
            .post(s.url("/support/auth/login/"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{username}");
        assert!(r.headers().get("set-cookie").is_none());
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": INVALID}));
    }
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"username": ["This field is required."], "password": ["This field is required."]})
    );
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error")
    );
    let r = s
        .client
        .get(s.url("/support/auth/login/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "Method \"GET\" not allowed."})
    );

    // A login form posted from another site is refused (login CSRF).
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .header("origin", "http://evil.test")
        .json(&json!({"username": "anna", "password": "s3cret!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn bearer_tokens_for_programmatic_clients() {
    let (s, anna) = server_with_anna().await;
    let r = s
        .client
        .post(s.url("/support/auth/token/"))
        .json(&json!({"username": "anna", "password": "s3cret!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me: Value = s
        .client
        .get(s.url("/support/auth/me/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], json!(anna));
    // Unsafe REST requests with a bearer token need no Origin.
    let t = s.create_ticket(1001, "for the token").await;
    let r = s
        .client
        .post(s.url(&format!("/support/tickets/{}/messages/", t["id"])))
        .bearer_auth(&token)
        .header("origin", "http://elsewhere.test")
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    // Logout with the token revokes it.
    let r = s
        .client
        .post(s.url("/support/auth/logout/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s
        .client
        .get(s.url("/support/auth/me/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_username() {
    let (s, _) = server_with_anna().await;
    let login = |password: &'static str| {
        s.client
            .post(s.url("/support/auth/login/"))
            .json(&json!({"username": "anna", "password": password}))
            .send()
    };
    for _ in 0..MAX_FAILURES {
        assert_eq!(login("wrong").await.unwrap().status(), 400);
    }
    let r = login("wrong").await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    // While throttled even the right password is refused.
    assert_eq!(login("s3cret!").await.unwrap().status(), 429);
    // Another user is not affected.
    create_or_update_manager(s.support.state().storage(), "boris", "pw", "", "")
        .await
        .unwrap();
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .json(&json!({"username": "boris", "password": "pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn upserting_a_manager_changes_the_password() {
    let (s, anna) = server_with_anna().await;
    let updated =
        create_or_update_manager(s.support.state().storage(), "anna", "new-pass", "Anna", "Z")
            .await
            .unwrap();
    assert_eq!(updated.id.get(), anna, "same manager");
    let login = |password: &'static str| {
        s.client
            .post(s.url("/support/auth/login/"))
            .json(&json!({"username": "anna", "password": password}))
            .send()
    };
    assert_eq!(login("s3cret!").await.unwrap().status(), 400);
    let r = login("new-pass").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["last_name"], "Z");
}

/// A changed password ends the manager's cookie sessions and bearer tokens (401 at once); the
/// same password again (a restart with the same `--manager`) keeps them.
#[tokio::test]
async fn a_password_change_ends_sessions_and_tokens() {
    let (s, _) = server_with_anna().await;
    let post = |path, password| post_credentials(&s, path, "anna", password);
    let (cookie, token) = cookie_and_token(&s, "anna", "s3cret!").await;
    let status = |with_cookie: bool| {
        let request = s.client.get(s.url("/support/tickets/"));
        let request = if with_cookie {
            request.header("cookie", &cookie)
        } else {
            request.bearer_auth(&token)
        };
        async move { request.send().await.unwrap().status() }
    };
    let storage = s.support.state().storage();
    create_or_update_manager(storage, "anna", "s3cret!", "Anna", "K")
        .await
        .unwrap();
    assert_eq!(status(true).await, 200, "same password: the cookie lives");
    assert_eq!(status(false).await, 200, "same password: the token lives");

    create_or_update_manager(storage, "anna", "n3w-pass", "Anna", "K")
        .await
        .unwrap();
    assert_eq!(status(true).await, 401, "the old cookie");
    assert_eq!(status(false).await, 401, "the old token");
    let me = s
        .client
        .get(s.url("/support/auth/me/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    // The new password logs in.
    assert_eq!(post("/support/auth/login/", "n3w-pass").await.status(), 200);
}

/// Deactivation ends the manager's cookie and token for good (reactivating does not revive
/// them) and refuses their login until they are active again.
#[tokio::test]
async fn deactivation_ends_sessions_and_tokens() {
    let (s, _) = server_with_anna().await;
    let post = |path, password| post_credentials(&s, path, "anna", password);
    let (cookie, token) = cookie_and_token(&s, "anna", "s3cret!").await;
    let statuses = || async {
        let me = s.url("/support/auth/me/");
        let by_cookie = s.client.get(&me).header("cookie", &cookie).send();
        let by_token = s.client.get(&me).bearer_auth(&token).send();
        (
            by_cookie.await.unwrap().status().as_u16(),
            by_token.await.unwrap().status().as_u16(),
        )
    };
    assert_eq!(statuses().await, (200, 200));
    let storage = s.support.state().storage();
    storage.set_manager_active("anna", false).await.unwrap();
    assert_eq!(statuses().await, (401, 401));
    assert_eq!(post("/support/auth/login/", "s3cret!").await.status(), 400);
    storage.set_manager_active("anna", true).await.unwrap();
    assert_eq!(statuses().await, (401, 401), "not revived");
    assert_eq!(post("/support/auth/login/", "s3cret!").await.status(), 200);
}

/// Login and token bodies are capped like every other body: 413 with a JSON detail, for a
/// body just over the limit (1 MB) and one past axum's own 2 MB default (5 MB).
#[tokio::test]
async fn auth_bodies_are_capped_with_a_json_413() {
    let (s, _) = server_with_anna().await;
    for path in ["/support/auth/login/", "/support/auth/token/"] {
        for size in [1_000_000, 5_000_000] {
            let r = post_credentials(&s, path, "anna", &"x".repeat(size)).await;
            assert_eq!(r.status(), 413, "{path} {size}");
            assert_eq!(
                r.json::<Value>().await.unwrap(),
                json!({"detail": "Request body is too large."}),
                "{path} {size}"
            );
        }
    }
    // A normal body still logs in.
    let r = post_credentials(&s, "/support/auth/login/", "anna", "s3cret!").await;
    assert_eq!(r.status(), 200);
}

/// The purge task deletes expired sessions at start and then periodically, and stops on
/// shutdown.
#[tokio::test]
async fn expired_sessions_are_purged_at_start_and_periodically() {
    use support_server::protocol::Timestamp;
    let (s, anna) = server_with_anna().await;
    let storage = s.support.state().storage().clone();
    let anna = support_server::protocol::ManagerId::new(anna);
    let at = |micros: i64| Timestamp::from_unix_micros(micros).unwrap();
    let long_ago = at(1_000_000);
    storage
        .create_session("expired-1", anna, at(2_000_000))
        .await
        .unwrap();
    let alive = |hash: &'static str| {
        let storage = storage.clone();
        async move {
            storage
                .session_manager(hash, long_ago)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(alive("expired-1").await);
    let purge = s
        .support
        .spawn_session_purge(std::time::Duration::from_millis(50));
    let wait_gone = |hash: &'static str| async move {
        for _ in 0..100 {
            if !alive(hash).await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{hash} was not purged");
    };
    wait_gone("expired-1").await;
    // Periodically: a session that expires later is purged by a later tick; a live one stays.
    storage
        .create_session("expired-2", anna, at(2_000_000))
        .await
        .unwrap();
    let tomorrow = at(Timestamp::now().unix_micros() + 86_400_000_000);
    storage
        .create_session("live", anna, tomorrow)
        .await
        .unwrap();
    wait_gone("expired-2").await;
    assert!(alive("live").await);
    s.support.begin_shutdown();
    tokio::time::timeout(std::time::Duration::from_secs(5), purge)
        .await
        .expect("the purge stops on shutdown")
        .unwrap();
}

/// Behind a trusted proxy the throttle counts per client address from `X-Forwarded-For`; from
/// an untrusted peer the header is ignored (a client cannot dodge the limit by inventing one).
#[tokio::test]
async fn throttling_keys_on_the_client_behind_trusted_proxies() {
    for trusted in [true, false] {
        let mut builder = SupportServer::builder();
        if trusted {
            builder = builder.trusted_proxy("127.0.0.1".parse().unwrap());
        }
        let s = TestServer::start(builder.build()).await;
        create_or_update_manager(s.support.state().storage(), "anna", "s3cret!", "", "")
            .await
            .unwrap();
        let login = |client: &'static str, password: &'static str| {
            s.client
                .post(s.url("/support/auth/login/"))
                .header("x-forwarded-for", client)
                .json(&json!({"username": "anna", "password": password}))
                .send()
        };
        for _ in 0..MAX_FAILURES {
            assert_eq!(login("198.51.100.1", "wrong").await.unwrap().status(), 400);
        }
        assert_eq!(login("198.51.100.1", "wrong").await.unwrap().status(), 429);
        let other = login("198.51.100.2", "s3cret!").await.unwrap().status();
        let expected = if trusted { 200 } else { 429 };
        assert_eq!(other, expected, "trusted: {trusted}");
    }
}

#[tokio::test]
async fn a_host_with_its_own_auth_has_no_login_routes() {
    let s = TestServer::start(SupportServer::builder().manager_auth(NoManagers).build()).await;
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .json(&json!({"username": "a", "password": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .client
        .get(s.url("/support/auth/me/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// A login from an HTTPS page (its `Origin`, or a TLS proxy's `X-Forwarded-Proto`) gets a
/// `Secure` cookie, and logout clears it the same way; a plain-HTTP page (localhost) gets none,
/// so the console keeps working there.
#[tokio::test]
async fn the_cookie_is_secure_when_the_page_is_https() {
    let s = TestServer::start(
        SupportServer::builder()
            .trusted_origin("https://support.example.com")
            .build(),
    )
    .await;
    create_or_update_manager(s.support.state().storage(), "anna", "s3cret!", "", "")
        .await
        .unwrap();
    let login = |origin: Option<String>, proto: Option<&'static str>| {
        let mut request = s
            .client
            .post(s.url("/support/auth/login/"))
            .json(&json!({"username": "anna", "password": "s3cret!"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        request.send()
    };
    let set_cookie = |r: &reqwest::Response| r.headers()["set-cookie"].to_str().unwrap().to_owned();

    let r = login(Some("https://support.example.com".to_owned()), None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(set_cookie(&r).ends_with("; Secure"), "{}", set_cookie(&r));
    let cookie = cookie_of(&r);

    let r = login(None, Some("https")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(set_cookie(&r).ends_with("; Secure"), "{}", set_cookie(&r));

    // The server's own plain-HTTP origin, as the console on localhost sends it.
    let r = login(Some(s.url("")), None).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!set_cookie(&r).contains("Secure"), "{}", set_cookie(&r));

    let r = s
        .client
        .post(s.url("/support/auth/logout/"))
        .header("origin", "https://support.example.com")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cleared = set_cookie(&r);
    assert!(
        cleared.contains("Max-Age=0") && cleared.ends_with("; Secure"),
        "{cleared}"
    );
}
