//! `chatlabs-django-support` 1.2.0's manager page, its own JS unmodified from PyPI, in headless
//! Chromium against our server (the 1.2 line): the unassigned list with its unviewed marks and
//! previews, opening a ticket (which PATCHes `viewed`), its messages, taking it (websocket
//! `ticket.assign` with `ticket_id`), "my" tickets, a reply that reaches the bot, the user's
//! next message arriving live, and a new ticket arriving on the list.
//!
//! The page is served as its Django view would render it for the signed-in manager
//! (`support_testkit::original::page_routes`); the manager signs in through our console, whose
//! session cookie the page's requests and websocket then carry.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::json;
use support_server::CompatLine;
use support_testkit::original::{PAGE_PATH, original_dir, page_dir, page_routes};
use support_testkit::{Browser, Driver, Screen, TestServer};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "anna-password-1");

/// The ticket's element in the page's list (`null` when absent).
const TICKET: &str = "document.querySelector(`.ticket-list [data-ticket-id=\"${arguments[0]}\"]`)";

#[tokio::test]
async fn the_1_2_0_manager_page_works_against_our_server() {
    let _serial = SERIAL.lock().await;
    let Some(dir) = original_dir("the_1_2_0_manager_page_works_against_our_server") else {
        return;
    };
    let Some(driver) = Driver::start("the_1_2_0_manager_page_works_against_our_server") else {
        return;
    };
    let manager = Arc::new(AtomicI64::new(0));
    let site = TestServer::sqlite_host(
        |b| b.compat_line(CompatLine::V1_2),
        page_routes(&page_dir(&dir), manager.clone()),
    )
    .await;
    let anna = site
        .manager_with_password(ANNA.0, ANNA.1, "Anna", "Petrova")
        .await;
    manager.store(anna.get(), Ordering::SeqCst);

    // Two unassigned tickets: a new one, and a later one the team has seen. The 1.2 line lists
    // the unviewed first (0.1.5's order would put the later one first).
    let t = site
        .ticket_with_message(7102, "Не могу оплатить", "Карта отклонена <b>дважды</b>")
        .await;
    let seen = site
        .ticket_with_message(7101, "Старый вопрос", "уже ответили")
        .await;
    let patched = site
        .bot(reqwest::Method::PATCH, &format!("/support/tickets/{seen}/"))
        .json(&json!({"viewed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_live("the console to sign in", true, support_testkit::WAIT)
        .await;
    // What the console logged before sign-in (its 401 from `auth/me/`) is not the page's.
    b.console_log().await;
    b.goto(&site.url(PAGE_PATH)).await;

    // The unassigned list: the new ticket first, with the unviewed dot and its preview.
    b.wait_for_with(
        "both tickets listed",
        &format!("{TICKET} && document.querySelectorAll('.ticket-list > div').length === 2"),
        vec![json!(t)],
    )
    .await;
    let listed = b
        .js(
            "return [...document.querySelectorAll('.ticket-list > div')].map(e => \
             [Number(e.dataset.ticketId), e.querySelector('h1').textContent, \
             e.querySelector('p.truncate').textContent, !!e.querySelector('.bg-red-500')]);",
        )
        .await;
    assert_eq!(
        listed,
        json!([
            [
                t,
                "Не могу оплатить",
                "Пользователь: Карта отклонена <b>дважды</b>",
                true
            ],
            [seen, "Старый вопрос", "Пользователь: уже ответили", false]
        ])
    );

    // Opening it: PATCH viewed (the dot goes), the messages show.
    b.click(&format!(".ticket-list [data-ticket-id=\"{t}\"]"))
        .await;
    b.wait_for(
        "the message in the chat",
        "document.querySelector('.chat-window').textContent.includes('Карта отклонена <b>дважды</b>')",
    )
    .await;
    b.wait_for_with(
        "the unviewed dot gone",
        &format!("!{TICKET}.querySelector('.bg-red-500')"),
        vec![json!(t)],
    )
    .await;
    assert_eq!(b.text_of("#ticket-title").await, json!("Не могу оплатить"));
    assert_eq!(site.ticket(t).await["viewed"], true);

    // Taking it: `ticket.assign` with `ticket_id`; the button says it is taken, and "my"
    // tickets list it.
    b.click("#ticket-assign").await;
    b.wait_for(
        "the assign button to say taken",
        "document.querySelector('#ticket-assign').disabled && document.querySelector('#ticket-assign').value === 'В работе'",
    )
    .await;
    let stored = site.stored_ticket(t).await;
    assert_eq!(stored.manager_id(), Some(anna));
    // The page asks for "my" tickets as it sends the assignment (its own race): ask again.
    b.click("#btn-set-unassigned").await;
    b.wait_for_with("the list without it", &format!("!{TICKET}"), vec![json!(t)])
        .await;
    b.click("#btn-set-my").await;
    b.wait_for_with("it in my tickets", TICKET, vec![json!(t)])
        .await;

    // A reply: over the websocket, stored as Anna's, shown, and offered to the bot.
    b.click(&format!(".ticket-list [data-ticket-id=\"{t}\"]"))
        .await;
    b.wait_for(
        "the chat again",
        "document.querySelector('.chat-window').textContent.includes('дважды')",
    )
    .await;
    b.type_into(".message-textarea", "Попробуйте другую карту, пожалуйста")
        .await;
    b.click("#send-message").await;
    b.wait_for(
        "the reply in the chat",
        "document.querySelector('.chat-window').textContent.includes('Попробуйте другую карту')",
    )
    .await;
    let messages = site.messages(t).await;
    assert_eq!(messages[0]["sender"], "supp", "{messages}");
    assert_eq!(messages[0]["text"], "Попробуйте другую карту, пожалуйста");
    assert_eq!(messages[0]["manager"]["id"], anna.get());

    // The user answers: it arrives live in the open chat; the ticket is unviewed again.
    site.user_message(t, "Получилось, спасибо!").await;
    b.wait_for(
        "the user's answer live",
        "document.querySelector('.chat-window').textContent.includes('Получилось, спасибо!')",
    )
    .await;
    assert_eq!(site.ticket(t).await["viewed"], false);

    // A new ticket arrives on the unassigned list, marked unviewed.
    b.click("#btn-set-unassigned").await;
    b.wait_for_with("the seen ticket listed", TICKET, vec![json!(seen)])
        .await;
    let fresh = site
        .ticket_with_message(7103, "Где мой заказ?", "Заказ 5531")
        .await;
    b.wait_for_with(
        "the new ticket listed, marked",
        &format!("{TICKET} && !!{TICKET}.querySelector('.bg-red-500')"),
        vec![json!(fresh)],
    )
    .await;

    // The page has no favicon, and its Django view none either.
    b.assert_no_console_errors(&["/favicon.ico"]).await;
    b.close().await;
}
