//! End-to-end tests of the manager console (SPEC section 4): real headless Chromium, driven
//! through chromedriver with fantoccini, against the real server on SQLite in a temp dir.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without chromedriver the tests print
//! "skipped" and pass, unless the `CI` variable is set: then they fail. Screenshots of the main
//! views land in `target/console-screenshots/`.
//!
//! The tests share the machine's few cores with the rest of the suite, so they run one at a
//! time (a lock), each with its own chromedriver, browser profile, server and database.

use fantoccini::key::Key;
use serde_json::{Value, json};
use support_protocol::Sender;
use support_testkit::ws::{recv_until, send};
use support_testkit::{Browser, Driver, Screen, TestServer, WAIT};

/// One browser test at a time.
pub(crate) static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ANNA: (&str, &str) = ("anna", "correct horse battery");
const XSS: &str = "<img src=x onerror=alert(1)>";

/// The manager's day: login, a live ticket, assign, reply (storage and bot websocket), a live user
/// message marked viewed, another manager's takeover and taking it back, resolve and reopen, and
/// hostile text shown as text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_manager_flow() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_manager_flow") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = TestServer::sqlite_at(&dir.path().join("support.sqlite3"), None).await;
    let anna = site
        .manager_with_password(ANNA.0, ANNA.1, "Anna", "Petrova")
        .await;
    let (bob, bob_session) = site.manager_named("bob", "Bob").await;
    // Some history, so the lists look like a working day.
    let older = [
        (
            1001,
            "Payment did not go through",
            "I paid twice and got no receipt.",
        ),
        (
            1002,
            "Cannot change my phone number",
            "The settings page says error 500.",
        ),
        (
            1003,
            "Delivery is late",
            "Order 5531 should have arrived yesterday.",
        ),
    ];
    for (user, title, text) in older {
        site.ticket_with_message(user, title, text).await;
    }
    let done = site
        .ticket_with_message(1004, "Password reset", "The reset link expired.")
        .await;
    site.set_resolved(done, true).await;

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&site.console_url()).await;

    // ---- Login: a wrong password is refused, the right one opens the console. ----
    b.login(ANNA.0, "wrong password").await;
    b.wait_for(
        "the login error",
        "!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent.length > 0",
    )
    .await;
    b.js("document.getElementById('login-password').value = ''; return null;")
        .await;
    b.type_into("#login-password", ANNA.1).await;
    b.type_into("#login-password", &Key::Enter).await;
    b.wait_for(
        "the console after login",
        "!document.getElementById('app').hidden && document.getElementById('login').hidden",
    )
    .await;
    b.wait_for(
        "the connection to go live",
        "document.getElementById('conn').dataset.state === 'open'",
    )
    .await;
    assert_eq!(b.text_of("#me-name").await, "Anna Petrova");
    b.wait_for(
        "the unassigned list",
        "document.querySelectorAll('#ticket-list .ticket-item').length === 3",
    )
    .await;

    // ---- A ticket created over REST appears live, on top, with its unread count. ----
    let title = "The app crashes on start";
    let first_text = "Since the update it closes right away.";
    let ticket = site.ticket_with_message(2001, title, first_text).await;
    b.wait_for_with(
        "the new ticket on top of the unassigned list",
        "(() => { const first = document.querySelector('#ticket-list .ticket-item'); \
         return first && first.dataset.id === String(arguments[0]) \
           && first.querySelector('.ti-title').textContent === arguments[1]; })()",
        vec![json!(ticket), json!(title)],
    )
    .await;
    b.wait_for(
        "the unread count of the unassigned tab",
        "document.querySelector('#tab-unassigned .tab-count').textContent === '4'",
    )
    .await;
    b.screenshot("desktop-unassigned").await;

    // ---- Open it: read-only until assigned; looking does not mark anything viewed. ----
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    b.wait_for_with(
        "the chat of the new ticket",
        "document.getElementById('chat-title').textContent === arguments[0] \
         && [...document.querySelectorAll('#message-list .msg-user .msg-text')].some(e => e.textContent === arguments[1])",
        vec![json!(title), json!(first_text)],
    )
    .await;
    assert_eq!(
        b.js("return document.getElementById('composer').hidden")
            .await,
        true
    );
    assert_eq!(b.text_of("#btn-assign").await, "Assign to me");
    assert!(
        !site.stored_messages(ticket).await[0].viewed,
        "an unassigned ticket's message was marked viewed by merely opening it"
    );

    // ---- Assign. ----
    b.click("#btn-assign").await;
    b.wait_for(
        "the composer after assigning",
        "!document.getElementById('composer').hidden && document.getElementById('tab-mine').getAttribute('aria-selected') === 'true'",
    )
    .await;
    let stored = site
        .wait_ticket(ticket, "the assignment", |t| {
            t.support_manager.as_ref().map(|m| m.id) == Some(anna)
        })
        .await;
    assert!(!stored.resolved);
    // Now it is hers, the message on screen counts as seen.
    site.wait_messages(ticket, "the first message viewed", |m| m[0].viewed)
        .await;

    // ---- Reply: it reaches storage and the bot websocket. ----
    let mut bot_ws = site.bot_ws(Some(0)).await;
    let reply = "Thanks! Which phone do you use?";
    b.wait_for(
        "focus in the reply box",
        "document.activeElement.id === 'reply'",
    )
    .await;
    b.type_into("#reply", reply).await;
    b.type_into("#reply", &Key::Enter).await;
    b.wait_for_with(
        "the reply in the chat",
        "[...document.querySelectorAll('#message-list .msg-supp:not(.pending) .msg-text')].some(e => e.textContent === arguments[0]) \
         && document.querySelectorAll('#message-list .pending').length === 0 \
         && document.getElementById('reply').value === ''",
        vec![json!(reply)],
    )
    .await;
    let messages = site
        .wait_messages(ticket, "the reply in storage", |m| m.len() == 2)
        .await;
    let stored_reply = &messages[1];
    assert_eq!(stored_reply.sender, Sender::Supp);
    assert_eq!(stored_reply.text, reply);
    assert!(stored_reply.viewed, "a manager's message is created viewed");
    let pushed = recv_until(&mut bot_ws, "ticket.message.new").await;
    assert_eq!(pushed["message"]["text"], reply);
    assert_eq!(pushed["message"]["sender"], "supp");
    assert_eq!(pushed["message"]["ticket"], ticket);
    assert_eq!(pushed["message"]["id"], stored_reply.id.get());
    assert_eq!(pushed["cursor"], stored_reply.id.get());

    // ---- A user message arrives live and is marked viewed. ----
    let user_text = "A Pixel 8, Android 15.";
    let user_msg = support_testkit::ws::id(&site.user_message(ticket, user_text).await);
    b.wait_for_with(
        "the user's message, live",
        "[...document.querySelectorAll('#message-list .msg-user .msg-text')].some(e => e.textContent === arguments[0])",
        vec![json!(user_text)],
    )
    .await;
    site.wait_messages(ticket, "the live message viewed", |m| {
        m.iter().any(|m| m.id.get() == user_msg && m.viewed)
    })
    .await;
    b.wait_for(
        "no unread badge on Mine",
        "document.querySelector('#tab-mine .tab-count').hidden",
    )
    .await;
    b.screenshot("desktop-chat").await;
    // The docs picture: the unassigned list beside the open chat, without the passing toasts.
    b.click("#tab-unassigned").await;
    b.wait_for(
        "the unassigned list beside the chat",
        "document.querySelectorAll('#ticket-list .ticket-item').length === 3 && !document.getElementById('chat').hidden",
    )
    .await;
    b.js("document.getElementById('toasts').replaceChildren(); return null;")
        .await;
    b.screenshot("desktop-lists-chat").await;
    b.click("#tab-mine").await;

    // ---- Another manager takes the ticket over; the page follows. ----
    let mut bob_ws = site.manager_ws(&bob_session).await;
    send(
        &mut bob_ws,
        json!({"type": "ticket.assign", "id": ticket, "force": true}),
    )
    .await;
    let assigned = recv_until(&mut bob_ws, "ticket.assigned").await;
    assert_eq!(assigned["support_manager"], bob.get());
    b.wait_for(
        "the page to show the takeover",
        "document.getElementById('composer').hidden \
         && !document.getElementById('btn-assign').hidden \
         && document.getElementById('btn-assign').textContent === 'Take over' \
         && document.getElementById('chat-meta').textContent.includes('Bob')",
    )
    .await;
    b.wait_for_with(
        "the ticket to leave Mine",
        "!document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"]`)",
        vec![json!(ticket)],
    )
    .await;
    b.screenshot("desktop-taken-over").await;

    // ---- Take it back, through the confirmation. ----
    b.click("#btn-assign").await;
    b.wait_for(
        "the takeover confirmation",
        "document.getElementById('confirm').open",
    )
    .await;
    b.click("#confirm-ok").await;
    b.wait_for(
        "the composer after taking back",
        "!document.getElementById('confirm').open && !document.getElementById('composer').hidden",
    )
    .await;
    site.wait_ticket(ticket, "Anna holding it again", |t| {
        t.support_manager.as_ref().map(|m| m.id) == Some(anna)
    })
    .await;
    let back = recv_until(&mut bob_ws, "ticket.assigned").await;
    assert_eq!(back["support_manager"], anna.get());

    // ---- Resolve and reopen. ----
    b.click("#btn-resolve").await;
    b.wait_for(
        "the resolved state",
        "document.querySelector('#chat-meta .chip-done') && document.getElementById('btn-resolve').textContent === 'Reopen' \
         && document.getElementById('composer').hidden",
    )
    .await;
    site.wait_ticket(ticket, "resolved", |t| t.resolved).await;
    b.click("#tab-resolved").await;
    b.wait_for_with(
        "the ticket in Resolved",
        "!!document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"]`)",
        vec![json!(ticket)],
    )
    .await;
    b.click("#btn-resolve").await;
    b.wait_for(
        "the reopened state",
        "document.querySelector('#chat-meta .chip-open') && document.getElementById('btn-resolve').textContent === 'Resolve' \
         && !document.getElementById('composer').hidden",
    )
    .await;
    site.wait_ticket(ticket, "reopened", |t| !t.resolved).await;

    // ---- History paging: the newest 30 first, the rest on demand, in order. ----
    let long = site
        .ticket_with_message(5005, "A long conversation", "message 1")
        .await;
    for n in 2..=45 {
        site.user_message(long, &format!("message {n}")).await;
    }
    b.click("#tab-unassigned").await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{long}\"]"))
        .await;
    b.wait_for(
        "the newest page of the long conversation",
        "document.getElementById('chat-title').textContent === 'A long conversation' \
         && document.querySelectorAll('#message-list .msg').length === 30 \
         && !document.getElementById('load-older').hidden",
    )
    .await;
    b.click("#load-older").await;
    b.wait_for(
        "the whole long conversation",
        "document.querySelectorAll('#message-list .msg').length === 45 \
         && document.getElementById('load-older').hidden && !document.getElementById('history-start').hidden",
    )
    .await;
    let order = b
        .js("return [...document.querySelectorAll('#message-list .msg-text')].map(e => e.textContent);")
        .await;
    let expected: Vec<String> = (1..=45).map(|n| format!("message {n}")).collect();
    assert_eq!(
        order,
        json!(expected),
        "oldest first, none missing or twice"
    );

    // ---- Hostile text is shown as text and runs nothing. ----
    b.click("#tab-unassigned").await;
    let evil = site.ticket_with_message(6666, XSS, XSS).await;
    b.wait_for_with(
        "the hostile ticket in the list",
        "(() => { const item = document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"]`); \
         return item && item.querySelector('.ti-title').textContent === arguments[1] \
           && item.querySelector('.ti-preview').textContent === arguments[1]; })()",
        vec![json!(evil), json!(XSS)],
    )
    .await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{evil}\"]"))
        .await;
    b.wait_for_with(
        "the hostile chat",
        "document.getElementById('chat-title').textContent === arguments[0] \
         && [...document.querySelectorAll('#message-list .msg-text')].some(e => e.textContent === arguments[0])",
        vec![json!(XSS)],
    )
    .await;
    // A hostile message arriving live, too.
    b.click("#btn-assign").await;
    b.wait_for(
        "the hostile ticket assigned",
        "!document.getElementById('composer').hidden",
    )
    .await;
    site.user_message(evil, XSS).await;
    b.wait_for_with(
        "the live hostile message",
        "[...document.querySelectorAll('#message-list .msg-user .msg-text')].filter(e => e.textContent === arguments[0]).length === 2",
        vec![json!(XSS)],
    )
    .await;
    // Give a (wrongly) created <img> time to fail loading and fire onerror.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    b.assert_no_alert().await;
    let markup: Value = b
        .js("return {
            imgs: [...document.images].filter(i => i.id !== 'lightbox-image')
              .map(i => i.getAttribute('src') || '').filter(s => !s.includes('favicon')),
            dataImgs: document.querySelectorAll('#ticket-list img, #chat img, #toasts img').length,
            titleHtml: document.getElementById('chat-title').innerHTML,
          };")
        .await;
    assert_eq!(markup["imgs"], json!([]), "an <img> was created: {markup}");
    assert_eq!(markup["dataImgs"], 0, "{markup}");
    assert_eq!(
        markup["titleHtml"], "&lt;img src=x onerror=alert(1)&gt;",
        "the title is text"
    );
    b.assert_no_alert().await;
    // No script error and no CSP violation all along; the only failed requests are the
    // session check before signing in and the wrong password.
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
        "/support/auth/login/ - Failed to load resource: the server responded with a status of 40",
    ])
    .await;

    b.close().await;
    drop(driver);
}

/// The server restarts (same port, same SQLite file); the page reconnects on its own and shows
/// what happened meanwhile and what comes next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_reconnects_after_server_restart() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_reconnects_after_server_restart") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut site = TestServer::sqlite_at(&dir.path().join("support.sqlite3"), None).await;
    site.manager_with_password(ANNA.0, ANNA.1, "Anna", "").await;
    let before = site
        .ticket_with_message(3001, "Before the restart", "hello")
        .await;

    let b = anna_signed_in(&driver, &site, Screen::Desktop).await;
    b.wait_for_with(
        "the ticket from before",
        "!!document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"]`)",
        vec![json!(before)],
    )
    .await;

    b.click(&format!("#ticket-list .ticket-item[data-id=\"{before}\"]"))
        .await;
    b.wait_chat_text("the chat of the ticket from before", "hello")
        .await;

    let addr = site.addr;
    site.stop().await;
    b.wait_live("the page to notice the server is gone", false, WAIT)
        .await;
    b.screenshot("desktop-reconnecting").await;
    // While it is down, nothing is typed or clicked: the page must come back by itself.
    site = TestServer::sqlite_at(&dir.path().join("support.sqlite3"), Some(addr)).await;
    assert_eq!(site.addr, addr);
    // Written before the page is back: the reload after reconnecting must bring it.
    site.user_message(before, "while you were away").await;
    // Backoff: 1 s, 2 s, 4 s (±20 %); the server was down for well under a second, but allow for
    // a slow machine missing a retry or two.
    let reconnect = std::time::Duration::from_secs(20);
    b.wait_live("the page to reconnect by itself", true, reconnect)
        .await;
    assert!(
        b.js("return document.getElementById('login').hidden").await == true,
        "the session survived the restart (it is in SQLite)"
    );
    b.wait_chat_text(
        "the message written during the outage, in the open chat",
        "while you were away",
    )
    .await;
    let after = site
        .ticket_with_message(3002, "After the restart", "hi again")
        .await;
    b.wait_for_with(
        "a ticket created after the restart, live",
        "(() => { const ids = [...document.querySelectorAll('#ticket-list .ticket-item')].map(e => e.dataset.id); \
         return ids[0] === String(arguments[1]) && ids.includes(String(arguments[0])); })()",
        vec![json!(before), json!(after)],
    )
    .await;

    // While the server was down, requests and websocket attempts failed; nothing else did.
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
        "/ws/support/manager/' failed",
        "net::ERR_CONNECTION_REFUSED",
    ])
    .await;
    b.close().await;
    site.stop().await;
    drop(driver);
}

/// At 360 px the console is one column: the list, then the chat instead of it, and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_phone_layout() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_phone_layout") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = TestServer::sqlite_at(&dir.path().join("support.sqlite3"), None).await;
    let ticket = annas_ticket(
        &site,
        4001,
        "Card was charged twice",
        "Hello, I see two charges of 19.99.",
    )
    .await;
    site.ticket_with_message(4002, "How do I export my data?", "Is there a CSV export?")
        .await;
    site.ticket_with_message(4003, "Wrong size delivered", "I ordered M and got XL.")
        .await;

    let b = Browser::open(&driver, Screen::Phone).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_for(
        "the list at 360 px",
        "document.getElementById('conn').dataset.state === 'open' && document.querySelectorAll('#ticket-list .ticket-item').length === 2",
    )
    .await;
    assert_eq!(
        no_horizontal_scrolling(&b, "the list").await,
        360,
        "the emulated phone width"
    );
    b.screenshot("phone-list").await;

    b.click("#tab-mine").await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    b.wait_for(
        "the chat alone on the screen",
        "getComputedStyle(document.querySelector('.sidebar')).display === 'none' && !document.getElementById('chat').hidden \
         && !document.getElementById('composer').hidden && document.querySelectorAll('#message-list .msg').length === 1",
    )
    .await;
    b.type_into("#reply", "We are refunding one of them now.")
        .await;
    b.type_into("#reply", &Key::Enter).await;
    b.wait_for(
        "the reply on the phone",
        "document.querySelectorAll('#message-list .msg-supp:not(.pending)').length === 1",
    )
    .await;
    no_horizontal_scrolling(&b, "the chat").await;
    b.screenshot("phone-chat").await;

    b.click("#chat-back").await;
    b.wait_for(
        "the list again",
        "getComputedStyle(document.querySelector('.sidebar')).display !== 'none'",
    )
    .await;
    b.assert_no_alert().await;
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
    ])
    .await;
    b.close().await;
    drop(driver);
}

/// A browser on the console, Anna signed in and the connection live.
async fn anna_signed_in(driver: &Driver, site: &TestServer, screen: Screen) -> Browser {
    let b = Browser::open(driver, screen).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_for(
        "the connection to go live",
        "document.getElementById('conn').dataset.state === 'open'",
    )
    .await;
    b
}

/// Anna (a manager with a password) holding a new ticket of `user` with one message; its id.
async fn annas_ticket(site: &TestServer, user: i64, title: &str, text: &str) -> i64 {
    let anna = site
        .manager_with_password(ANNA.0, ANNA.1, "Anna", "Petrova")
        .await;
    let ticket = site.ticket_with_message(user, title, text).await;
    site.storage()
        .assign_ticket(support_protocol::TicketId::new(ticket), anna, false)
        .await
        .unwrap();
    ticket
}

/// Asserts the page is no wider than the window (`what` is on screen); the window's width.
async fn no_horizontal_scrolling(b: &Browser, what: &str) -> i64 {
    let width = b
        .js("return [window.innerWidth, document.documentElement.scrollWidth];")
        .await;
    let (window, page) = (width[0].as_i64().unwrap(), width[1].as_i64().unwrap());
    assert!(
        page <= window,
        "horizontal scrolling with {what}: {page} px in {window}"
    );
    window
}

/// The bubble of the manager's reply `arguments[0]` (a JS expression), not the unsent one.
const REPLY_LI: &str = "[...document.querySelectorAll('#message-list li.msg-supp:not(.pending)')]\
                        .find(li => li.querySelector('.msg-text').textContent === arguments[0])";

/// Waits until the reply `text` shows the delivery `state` and `check` (a JS expression on its
/// bubble `li`, `arguments[1]` is `arg`) holds.
async fn wait_reply(b: &Browser, what: &str, text: &str, state: &str, check: &str, arg: &str) {
    b.wait_for_with(
        what,
        &format!(
            "(() => {{ const li = {REPLY_LI}; return !!li && li.dataset.delivery === arguments[2] && ({check}); }})()"
        ),
        vec![json!(text), json!(arg), json!(state)],
    )
    .await;
}

/// A reply's delivery, live, on a phone: pending while no bot takes it, "Not delivered" with
/// Telegram's reason when the bot reports the user blocked it (the user marked blocked in the chat
/// header and the list), the mark gone when the user writes again, and the reply retried from the
/// console until the bot delivers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_reply_delivery() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_reply_delivery") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = TestServer::sqlite_at(&dir.path().join("support.sqlite3"), None).await;
    let ticket = annas_ticket(&site, 7001, "Where is my refund?", "It has been two weeks.").await;

    let b = anna_signed_in(&driver, &site, Screen::Phone).await;
    b.click("#tab-mine").await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    b.wait_for(
        "the chat with its composer",
        "!document.getElementById('composer').hidden && document.querySelectorAll('#message-list .msg').length === 1",
    )
    .await;

    // ---- The reply is stored and waits for a bot: pending, no tick that means nothing. ----
    let reply = "The refund left our bank today.";
    b.type_into("#reply", reply).await;
    b.type_into("#reply", &Key::Enter).await;
    wait_reply(
        &b,
        "the reply, pending",
        reply,
        "pending",
        "li.querySelector('.msg-delivery').textContent === arguments[1] \
         && !document.querySelector('#message-list li.pending')",
        // No bot has taken it yet.
        "Waiting for the bot",
    )
    .await;
    assert_eq!(
        b.js("return document.querySelectorAll('#message-list .msg-supp svg.icon-checks').length")
            .await,
        0
    );
    let reply_id = site
        .wait_messages(ticket, "the reply in storage", |m| m.len() == 2)
        .await[1]
        .id
        .get();

    // ---- A bot takes it; Telegram answers 403: not delivered, and the user blocked the bot. ----
    let mut bot = site.delivery_ws().await;
    let offer = recv_until(&mut bot, "delivery.offer").await;
    assert_eq!(offer["message"]["id"], reply_id);
    assert_eq!(offer["message"]["text"], reply);
    let forbidden = "Forbidden: bot was blocked by the user";
    send(
        &mut bot,
        json!({"type": "delivery.failed", "message_id": reply_id, "kind": "blocked",
               "error_code": 403, "error": forbidden}),
    )
    .await;
    wait_reply(
        &b,
        "the reply, not delivered, with Telegram's reason",
        reply,
        "failed",
        "li.querySelector('.msg-failure-text').textContent === arguments[1] \
         && li.querySelector('.delivery-retry').textContent === 'Retry'",
        &format!("Not delivered: {forbidden} (403)"),
    )
    .await;
    b.wait_for(
        "the user marked blocked in the chat header",
        "document.querySelector('#chat-meta .chip-blocked')?.textContent === 'Blocked the bot' \
         && document.getElementById('chat-banner').textContent.includes('blocked the bot')",
    )
    .await;
    no_horizontal_scrolling(&b, "a failed reply").await;
    b.screenshot("phone-delivery-failed").await;

    // ---- The list says it too: the chip, and the failed mark on the preview. ----
    b.click("#chat-back").await;
    let item = format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]");
    b.wait_for_with(
        "the blocked user and the failed reply in the list",
        "(() => { const item = document.querySelector(arguments[0]); \
         return !!item && !!item.querySelector('.ti-meta .chip-blocked') && !!item.querySelector('.ti-preview .ti-failed'); })()",
        vec![json!(item)],
    )
    .await;
    no_horizontal_scrolling(&b, "a blocked user in the list").await;
    b.screenshot("phone-list-blocked").await;

    // ---- The user writes again: no longer blocked; the failed reply stays failed. ----
    b.click(&item).await;
    site.user_message(ticket, "Sorry, I had blocked you by mistake.")
        .await;
    b.wait_for(
        "the blocked mark gone",
        "!document.querySelector('#chat-meta .chip-blocked') && document.getElementById('chat-banner').hidden \
         && document.getElementById('chat-meta').textContent.startsWith('Open #') \
         && [...document.querySelectorAll('#message-list .msg-user')].length === 2",
    )
    .await;
    wait_reply(&b, "the reply still failed", reply, "failed", "true", "").await;

    // ---- Retry from the console: pending again, then the bot delivers it. ----
    b.click("#message-list li.msg-supp[data-delivery='failed'] .delivery-retry")
        .await;
    let again = recv_until(&mut bot, "delivery.offer").await;
    assert_eq!(again["message"]["id"], reply_id);
    wait_reply(
        &b,
        "the retried reply, pending",
        reply,
        "pending",
        "true",
        "",
    )
    .await;
    send(
        &mut bot,
        json!({"type": "delivery.sent", "message_id": reply_id, "telegram_message_id": 77}),
    )
    .await;
    wait_reply(
        &b,
        "the reply, delivered, its time on hover",
        reply,
        "sent",
        "li.querySelector('.msg-delivery').textContent === arguments[1] \
         && li.querySelector('.msg-delivery').title.startsWith('Delivered to Telegram ') \
         && !li.querySelector('.msg-failure')",
        "Delivered",
    )
    .await;
    b.screenshot("phone-delivered").await;

    b.assert_no_alert().await;
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
    ])
    .await;
    b.close().await;
    drop(driver);
}
