//! The console resumes instead of reloading (issue 15, resumable events): Anna's connection is
//! cut as a network drop would cut it (a proxy between her browser and the server), and while
//! she is away a user writes in her open chat and a new ticket comes in. The page reconnects by
//! itself with `?since=` the last event it saw, the server replays both, and they appear without
//! a single REST request for tickets or messages.

use serde_json::json;
use support_testkit::{Browser, Driver, Proxy, Screen, TestServer, WAIT};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "correct horse battery");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_resumes_after_a_dropped_connection_without_reloading() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_resumes_after_a_dropped_connection") else {
        return;
    };
    let site = TestServer::sqlite().await;
    site.manager_with_password(ANNA.0, ANNA.1, "Anna", "").await;
    let ticket = site
        .ticket_with_message(4001, "Before the drop", "hello")
        .await;
    let proxy = Proxy::start(site.addr).await;

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&proxy.url("/support/manager/")).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_live("the connection to go live", true, WAIT).await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    b.wait_chat_text("the open chat", "hello").await;
    // A live event, so the page has a number to resume from.
    site.user_message(ticket, "still live").await;
    b.wait_chat_text("a live message", "still live").await;

    let before = proxy.requests().len();
    proxy.cut();
    b.wait_live("the page to notice the drop", false, WAIT)
        .await;
    // While the page is away (it retries after about a second).
    site.user_message(ticket, "while you were away").await;
    let newcomer = site
        .ticket_with_message(4002, "Arrived during the drop", "hi")
        .await;
    // Backoff: about a second; allow a slow machine a few retries.
    let reconnect = std::time::Duration::from_secs(20);
    b.wait_live("the page to reconnect by itself", true, reconnect)
        .await;
    b.wait_chat_text(
        "the message written during the drop, in the open chat",
        "while you were away",
    )
    .await;
    b.wait_for_with(
        "the ticket created during the drop, first in the list",
        "document.querySelector('#ticket-list .ticket-item')?.dataset.id === String(arguments[0])",
        vec![json!(newcomer)],
    )
    .await;

    let after: Vec<String> = proxy.requests()[before..].to_vec();
    let upgrade = after
        .iter()
        .find(|r| r.starts_with("GET /ws/support/manager/"))
        .unwrap_or_else(|| panic!("no websocket upgrade after the drop: {after:#?}"));
    let since: u64 = upgrade
        .split("since=")
        .nth(1)
        .and_then(|rest| rest.split([' ', '&']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the page resumed from a number: {upgrade}"));
    assert!(since > 0);
    assert!(
        !after.iter().any(|r| r.contains("/support/tickets")),
        "resumed, not reloaded: {after:#?}"
    );

    // The sign-in page asks who is signed in (401 before the login); the cut connection fails.
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
        "/ws/support/manager/",
        "net::ERR_CONNECTION",
    ])
    .await;
    b.close().await;
    drop(driver);
}
