//! Logins under load (issue 15): parallel guesses cannot outrun the throttle, and a flood of
//! logins is answered 429 rather than queued, while password checks stay bounded.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use support_server::SupportServer;
use support_server::auth::{HashingLimits, MAX_FAILURES, create_or_update_manager};
use support_testkit::TestServer;

/// `(status, Retry-After, body)` of one login of `username` from `client` (the server trusts
/// the loopback proxy, so `X-Forwarded-For` names the client).
async fn login(
    s: &TestServer,
    username: &str,
    password: &str,
    client: &str,
) -> (u16, Option<String>, Value) {
    let r = s
        .client
        .post(s.url("/support/auth/login/"))
        .header("x-forwarded-for", client)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, r.json().await.unwrap())
}

/// 40 wrong guesses for one account from one address, all at once: at most [`MAX_FAILURES`]
/// are checked (400), every other one is 429 with `Retry-After`, and the real password still
/// works from another address (the per-address throttle; the account-wide one is far off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_outrun_the_throttle() {
    let s = TestServer::start(
        SupportServer::builder()
            .trusted_proxy("127.0.0.1".parse().unwrap())
            .build(),
    )
    .await;
    create_or_update_manager(s.support.state().storage(), "anna", "s3cret!", "", "")
        .await
        .unwrap();
    let answers = join_all((0..40).map(|i| {
        let s = &s;
        async move { login(s, "anna", &format!("guess-{i}"), "198.51.100.1").await }
    }))
    .await;
    let checked = answers.iter().filter(|(status, ..)| *status == 400).count();
    for (status, retry, body) in &answers {
        assert!(matches!(status, 400 | 429), "{status} {body}");
        if *status == 429 {
            assert!(retry.is_some(), "429 without Retry-After: {body}");
            assert!(body["detail"].as_str().is_some(), "{body}");
        }
    }
    println!("parallel_guesses_cannot_outrun_the_throttle: {checked} of 40 guesses checked");
    assert!(
        checked <= MAX_FAILURES as usize,
        "{checked} guesses checked"
    );
    assert!(checked >= 1, "no guess was checked");
    let (status, ..) = login(&s, "anna", "s3cret!", "198.51.100.1").await;
    assert_eq!(status, 429, "the guessing address stays throttled");
    let (status, _, body) = login(&s, "anna", "s3cret!", "198.51.100.2").await;
    assert_eq!(status, 200, "the real user from another address: {body}");
}

/// One password check at a time, one waiting, no wait beyond a second: a burst of logins for
/// different users (no throttle involved) gets some 429s with a JSON detail and `Retry-After`,
/// never an error or a hang, and logins work again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_is_answered_429() {
    let s = TestServer::start(
        SupportServer::builder()
            .password_hashing(HashingLimits {
                concurrent: 1,
                queue: 1,
                max_wait: Duration::from_secs(1),
            })
            .build(),
    )
    .await;
    create_or_update_manager(s.support.state().storage(), "anna", "s3cret!", "", "")
        .await
        .unwrap();
    let answers = join_all((0..30).map(|i| {
        let s = &s;
        async move { login(s, &format!("user{i}"), "wrong", "-").await }
    }))
    .await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == 429)
        .collect();
    for (status, retry, body) in &answers {
        assert!(matches!(status, 400 | 429), "{status} {body}");
        if *status == 429 {
            assert_eq!(retry.as_deref(), Some("1"), "{body}");
            assert_eq!(
                body["detail"],
                "Request was throttled. Expected available in 1 seconds."
            );
        }
    }
    println!(
        "a_login_flood_is_answered_429: {} of 30 refused at once",
        busy.len()
    );
    assert!(!busy.is_empty(), "30 logins at once, one check at a time");
    let (status, _, body) = login(&s, "anna", "s3cret!", "-").await;
    assert_eq!(status, 200, "{body}");
}
