//! The console's views, search, order and keyboard (issue 17, parts 3, 5 and 6), in headless
//! Chromium against a real server on SQLite and, when configured, Postgres: another manager's
//! ticket on "Held by others" only; a search by a user's first name, a word of a message and a
//! ticket number, and over one view; `%` and `"` found nowhere without an error; "Waiting longest"
//! putting first the ticket whose user wrote last; `j`/`k`, `a`, `/`, `?` and Escape as real key
//! presses; toasts clear of the composer; a ticket taken by another manager moving live.

use std::sync::Arc;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{Value, json};
use support_server::auth::{SESSION_TTL, create_or_update_manager};
use support_testkit::backends::backends;
use support_testkit::ws::{recv_until, send};
use support_testkit::{Browser, Driver, Screen, TestServer};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "correct horse battery");
const BORIS: (&str, &str) = ("boris", "another horse battery");

const ESCAPE: char = '\u{E00C}';

/// A ticket with its first message, created as the bot creates it, with the user's profile.
async fn ticket_of(site: &TestServer, user: i64, profile: Value, title: &str, text: &str) -> i64 {
    let body = json!({"user_id": user, "title": title, "text": text, "user": profile});
    let r = site
        .bot(reqwest::Method::POST, "/support/tickets/")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "create ticket {body}");
    support_testkit::ws::id(&r.json().await.unwrap())
}

/// One real key press (down and up) on whatever has the focus, as a WebDriver action.
async fn press(b: &Browser, key: char) {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.client.perform_actions(keys).await.expect("a key press");
}

/// The ids of the tickets the list shows, in order, as a JS expression.
const SHOWN: &str =
    "[...document.querySelectorAll('#ticket-list .ticket-item')].map(a => Number(a.dataset.id))";

/// Waits until the list shows exactly `ids`, in this order.
async fn wait_list(b: &Browser, what: &str, ids: &[i64]) {
    b.wait_for_with(
        what,
        &format!("JSON.stringify({SHOWN}) === JSON.stringify(arguments[0])"),
        vec![json!(ids)],
    )
    .await;
}

/// Replaces the search box's text by typing `text` (real keys), after clearing it.
async fn search_for(b: &Browser, text: &str) {
    b.js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
        .await;
    b.type_into("#search", text).await;
}

/// Waits for the empty state of a search that found nothing, its text shown as text.
async fn wait_nothing_found(b: &Browser, text: &str) {
    b.wait_for_with(
        &format!("the empty state for {text:?}"),
        "(() => { const e = document.getElementById('list-empty'); \
         return !e.hidden && e.classList.contains('is-search') && e.textContent.includes(arguments[0]) \
         && e.children.length === 0 && document.getElementById('list-error').hidden \
         && document.querySelectorAll('#ticket-list .ticket-item').length === 0; })()",
        vec![json!(text)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_views_search_order_and_keys() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_views_search_order_and_keys") else {
        return;
    };
    let stores = backends().await;
    for (backend, storage) in stores.iter().filter(|(name, _)| *name != "memory") {
        eprintln!("console views on {backend}");
        let site = TestServer::with_storage(Arc::clone(&storage)).await;
        run(&driver, &site).await;
    }
}

async fn run(driver: &Driver, site: &TestServer) {
    create_or_update_manager(site.storage(), ANNA.0, ANNA.1, "Anna", "Petrova")
        .await
        .unwrap();
    let boris = create_or_update_manager(site.storage(), BORIS.0, BORIS.1, "Boris", "Ivanov")
        .await
        .unwrap()
        .id;
    let boris_session = site.auth().start_session(boris, SESSION_TTL).await.unwrap();

    // Three users write; Boris takes the third ticket and answers it, so its user waits no more.
    let printer = ticket_of(
        site,
        8001,
        json!({"first_name": "Zinaida", "last_name": "Orlova"}),
        "Printer trouble",
        "The printer makes a grinding noise",
    )
    .await;
    let invoice = ticket_of(
        site,
        8002,
        json!({"first_name": "Maxim"}),
        "Invoice question",
        "Where is my bill for March?",
    )
    .await;
    let login = ticket_of(
        site,
        8003,
        json!({"first_name": "Olga", "username": "olga_k"}),
        "Login trouble",
        "The code never comes",
    )
    .await;
    let mut boris_ws = site.manager_ws(&boris_session).await;
    send(&mut boris_ws, json!({"type": "ticket.assign", "id": login})).await;
    recv_until(&mut boris_ws, "ticket.assigned").await;
    send(
        &mut boris_ws,
        json!({"type": "ticket.message.new", "ticket_id": login, "text": "Try again now, please."}),
    )
    .await;
    recv_until(&mut boris_ws, "ticket.message.new").await;

    let b = Browser::open(driver, Screen::Desktop).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_live("the connection to go live", true, support_testkit::WAIT)
        .await;

    // ---- The views. ----
    b.click("#tab-others").await;
    wait_list(&b, "Boris's ticket on Held by others", &[login]).await;
    b.click("#tab-mine").await;
    wait_list(&b, "nothing on Mine", &[]).await;
    b.wait_for(
        "Mine's own empty state",
        "!document.getElementById('list-empty').hidden \
         && !document.getElementById('list-empty').classList.contains('is-search')",
    )
    .await;
    b.click("#tab-unassigned").await;
    wait_list(
        &b,
        "the unassigned tickets, newest activity first",
        &[invoice, printer],
    )
    .await;
    b.click("#tab-open").await;
    wait_list(&b, "every open ticket", &[login, invoice, printer]).await;

    // ---- Search: a first name, a word of a message, a number; `%` and `"` match nothing. ----
    search_for(&b, "Maxim").await;
    wait_list(&b, "the ticket of the user named Maxim", &[invoice]).await;
    search_for(&b, "grinding").await;
    wait_list(&b, "the ticket with a message saying grinding", &[printer]).await;
    search_for(&b, &format!("#{login}")).await;
    wait_list(&b, "the ticket found by its number", &[login]).await;
    search_for(&b, "%").await;
    wait_nothing_found(&b, "%").await;
    search_for(&b, "\"").await;
    wait_nothing_found(&b, "\"").await;
    search_for(&b, "<b>x</b>").await;
    wait_nothing_found(&b, "<b>x</b>").await;
    // A search is over the selected view.
    search_for(&b, "Olga").await;
    wait_list(&b, "Olga on Open", &[login]).await;
    b.click("#tab-unassigned").await;
    wait_list(&b, "no Olga on Unassigned", &[]).await;
    b.click("#tab-others").await;
    wait_list(&b, "Olga on Held by others", &[login]).await;
    b.click("#search-clear").await;
    wait_list(&b, "Held by others again, no search", &[login]).await;
    assert_eq!(
        b.js("return document.getElementById('search').value").await,
        ""
    );
    b.click("#tab-open").await;
    wait_list(&b, "every open ticket again", &[login, invoice, printer]).await;

    // ---- Order: waiting longest puts the users who wrote last first, and is remembered. ----
    b.js("const s = document.getElementById('sort'); s.value = 'waiting'; s.dispatchEvent(new Event('change'));")
        .await;
    wait_list(&b, "the longest waiting first", &[printer, invoice, login]).await;
    assert_eq!(
        b.js("return localStorage.getItem('support.console.ordering')")
            .await,
        "waiting"
    );
    b.js("const s = document.getElementById('sort'); s.value = '-updated_at'; s.dispatchEvent(new Event('change'));")
        .await;
    wait_list(&b, "the newest activity first", &[login, invoice, printer]).await;

    // ---- Keys: j/k move through the list, ? opens the help, Escape closes it, / searches. ----
    b.js("document.activeElement.blur()").await;
    press(&b, 'j').await;
    let current = |id: i64| {
        format!(
            "location.hash === '#/ticket/{id}' && document.querySelector('#ticket-list .ticket-item[aria-current=\"page\"]')?.dataset.id === '{id}'"
        )
    };
    b.wait_for("j opening the first ticket", &current(login))
        .await;
    press(&b, 'j').await;
    b.wait_for("j opening the second ticket", &current(invoice))
        .await;
    press(&b, 'k').await;
    b.wait_for("k going back to the first", &current(login))
        .await;

    press(&b, '?').await;
    b.wait_for(
        "the help dialog, modal, with the focus inside",
        "document.getElementById('help').open && document.getElementById('help').getAttribute('aria-modal') === 'true' \
         && document.getElementById('help').contains(document.activeElement) \
         && document.querySelectorAll('#help-list .help-row').length === 8",
    )
    .await;
    press(&b, 'j').await;
    press(&b, '\u{E004}').await;
    assert!(
        b.js("return document.getElementById('help').contains(document.activeElement)")
            .await
            .as_bool()
            .unwrap(),
        "Tab stays in the dialog"
    );
    assert_eq!(
        b.js("return location.hash").await,
        format!("#/ticket/{login}"),
        "no shortcut under the dialog"
    );
    press(&b, ESCAPE).await;
    b.wait_for(
        "Escape closing the help",
        "!document.getElementById('help').open",
    )
    .await;

    press(&b, '/').await;
    b.wait_for(
        "/ focusing the search",
        "document.activeElement === document.getElementById('search')",
    )
    .await;
    press(&b, 'j').await;
    b.wait_for(
        "j typed into the search, not a shortcut",
        "document.getElementById('search').value === 'j'",
    )
    .await;
    assert_eq!(
        b.js("return location.hash").await,
        format!("#/ticket/{login}")
    );
    press(&b, ESCAPE).await;
    b.wait_for(
        "Escape ending the search",
        "document.getElementById('search').value === '' && document.querySelectorAll('#ticket-list .ticket-item').length === 3",
    )
    .await;

    // ---- a takes the open ticket; its toast keeps clear of the composer. ----
    b.js("document.activeElement.blur()").await;
    press(&b, 'j').await;
    b.wait_for("j opening the unassigned ticket", &current(invoice))
        .await;
    b.js("document.activeElement.blur()").await;
    press(&b, 'a').await;
    b.wait_for(
        "a taking the ticket: the composer and the toast",
        "!document.getElementById('composer').hidden && document.querySelector('#toasts .toast') !== null",
    )
    .await;
    let overlap = b
        .js("const c = document.getElementById('composer').getBoundingClientRect(); \
             return [...document.querySelectorAll('#toasts .toast')].some(t => { const r = t.getBoundingClientRect(); \
             return r.bottom > c.top && r.top < c.bottom && r.right > c.left && r.left < c.right; });")
        .await;
    assert_eq!(overlap, false, "a toast covers the composer");
    b.click("#tab-mine").await;
    wait_list(&b, "the taken ticket on Mine", &[invoice]).await;

    // ---- Live: Boris takes another ticket; it moves to Held by others. ----
    b.click("#tab-others").await;
    wait_list(&b, "Held by others before", &[login]).await;
    send(
        &mut boris_ws,
        json!({"type": "ticket.assign", "id": printer}),
    )
    .await;
    recv_until(&mut boris_ws, "ticket.assigned").await;
    wait_list(&b, "Boris's new ticket arriving live", &[login, printer]).await;
    b.click("#tab-unassigned").await;
    wait_list(&b, "Unassigned now empty", &[]).await;

    // ---- The help in Russian. ----
    b.click(".topbar .lang-btn[data-lang=\"ru\"]").await;
    b.js("document.activeElement.blur()").await;
    press(&b, '?').await;
    b.wait_for(
        "the help in Russian",
        "document.getElementById('help').open && document.getElementById('help-title').textContent === 'Горячие клавиши' \
         && document.querySelector('#help-list dd').textContent === 'Следующее обращение в списке'",
    )
    .await;
    press(&b, ESCAPE).await;
    b.wait_for("the help closed", "!document.getElementById('help').open")
        .await;
    b.click(".topbar .lang-btn[data-lang=\"en\"]").await;

    // ---- The alerts menu: opt-in, remembered; Escape closes it. ----
    b.click("#attention-btn").await;
    b.click("#pref-sound").await;
    b.wait_for(
        "the sound remembered",
        "JSON.parse(localStorage.getItem('support.console.attention') || '{}').sound === true",
    )
    .await;
    press(&b, ESCAPE).await;
    b.wait_for(
        "Escape closing the menu",
        "document.getElementById('attention-menu').hidden",
    )
    .await;

    // The only error: the 401 of `auth/me/` before signing in.
    b.assert_no_console_errors(&["/auth/me/"]).await;
    b.close().await;

    // ---- On a phone: r resolves and reopens; the toasts stay clear of the composer. ----
    let phone = Browser::open(driver, Screen::Phone).await;
    phone
        .goto(&format!("{}#/ticket/{invoice}", site.console_url()))
        .await;
    phone.login(ANNA.0, ANNA.1).await;
    phone
        .wait_for(
            "the ticket open with its composer",
            "document.getElementById('conn').dataset.state === 'open' && !document.getElementById('composer').hidden",
        )
        .await;
    phone.js("document.activeElement.blur()").await;
    press(&phone, 'r').await;
    phone
        .wait_for(
            "r resolving the ticket",
            "document.getElementById('composer').hidden && document.querySelector('#toasts .toast') !== null",
        )
        .await;
    phone.js("document.activeElement.blur()").await;
    press(&phone, 'r').await;
    phone
        .wait_for(
            "r reopening it, the composer back",
            "!document.getElementById('composer').hidden && document.querySelectorAll('#toasts .toast').length >= 1",
        )
        .await;
    let overlap = phone
        .js("const c = document.getElementById('composer').getBoundingClientRect(); \
             return [...document.querySelectorAll('#toasts .toast')].some(t => { const r = t.getBoundingClientRect(); \
             return r.bottom > c.top && r.top < c.bottom && r.right > c.left && r.left < c.right; });")
        .await;
    assert_eq!(overlap, false, "a toast covers the composer on a phone");
    phone.screenshot("phone-views-toast").await;
    phone.close().await;
}
