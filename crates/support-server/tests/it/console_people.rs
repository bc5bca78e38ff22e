//! The people in the conversation in the console (issue 17, step 1), in headless Chromium: the
//! user's name from the profile the bot reports (markup, emoji and a right-to-left name shown as
//! text) in the list and the header, the contact panel with the t.me link and the user's tickets
//! one click away, a profile change applied live, another manager's name the moment they take
//! the ticket, each reply's author, and tab badges that count tickets rather than messages.

use serde_json::{Value, json};
use support_server::auth::{SESSION_TTL, create_or_update_manager};
use support_testkit::ws::{recv_until, send};
use support_testkit::{Browser, Driver, Screen, TestServer};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "correct horse battery");
const BORIS: (&str, &str) = ("boris", "another horse battery");
/// B's `display_name`: first and last name.
const BORIS_NAME: &str = "Boris Ivanov";

/// The user: markup and an emoji in the first name, a Hebrew (right-to-left) last name.
const USER: i64 = 7001;
const FIRST: &str = "<b>Анна</b> 🎉";
const LAST: &str = "כהן";

fn profile() -> Value {
    json!({"first_name": FIRST, "last_name": LAST, "username": "anna_li", "is_premium": true})
}

/// A ticket with its first message, created as the bot creates it, with the user's profile.
async fn ticket_of(site: &TestServer, user: i64, profile: Value, title: &str, text: &str) -> i64 {
    let body = json!({"user_id": user, "title": title, "text": text, "language_code": "ru", "user": profile});
    let r = site
        .bot(reqwest::Method::POST, "/support/tickets/")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "create ticket {body}");
    support_testkit::ws::id(&r.json().await.unwrap())
}

/// A user message as the bot posts it, reporting the user's profile.
async fn user_says(site: &TestServer, ticket: i64, profile: Value, text: &str) {
    let r = site
        .bot(
            reqwest::Method::POST,
            &format!("/support/tickets/{ticket}/messages/"),
        )
        .json(&json!({"text": text, "user": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "post message to #{ticket}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_the_people_in_the_conversation() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_shows_the_people_in_the_conversation") else {
        return;
    };
    let site = TestServer::sqlite().await;
    create_or_update_manager(site.storage(), ANNA.0, ANNA.1, "Anna", "Petrova")
        .await
        .unwrap();
    let boris = create_or_update_manager(site.storage(), BORIS.0, BORIS.1, "Boris", "Ivanov")
        .await
        .unwrap()
        .id;
    let boris_session = site.auth().start_session(boris, SESSION_TTL).await.unwrap();

    // The user's earlier ticket (resolved), the one they write about now (two messages), and
    // another user's ticket (two messages): four unread messages in two unassigned tickets.
    let earlier = ticket_of(
        &site,
        USER,
        profile(),
        "Refund for order 5531",
        "Where is my refund?",
    )
    .await;
    site.set_resolved(earlier, true).await;
    let now = ticket_of(
        &site,
        USER,
        profile(),
        "Cannot sign in",
        "The code never comes.",
    )
    .await;
    user_says(&site, now, profile(), "I tried three times.").await;
    let other = site.ticket_with_message(7002, "Other user", "hello").await;
    site.user_message(other, "anyone there?").await;
    let name = format!("{FIRST} {LAST}");

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.wait_live("the connection to go live", true, support_testkit::WAIT)
        .await;

    // ---- The lists: the name as text, tickets counted, not messages. ----
    b.wait_for_with(
        "the user's name in the list row",
        "(() => { const row = document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"]`); \
         const user = row && row.querySelector('.ti-user'); \
         return user && user.textContent === arguments[1] && user.getAttribute('dir') === 'auto'; })()",
        vec![json!(now), json!(name)],
    )
    .await;
    b.wait_for(
        "the unassigned tab counting two tickets with unread messages",
        "document.querySelector('#tab-unassigned .tab-count').textContent === '2' \
         && document.title.startsWith('(2)')",
    )
    .await;
    let row_count = b
        .js_with(
            "return document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"] .badge [aria-hidden]`).textContent;",
            vec![json!(now)],
        )
        .await;
    assert_eq!(row_count, "2", "the row keeps its own count of messages");
    assert_eq!(
        b.js("return document.querySelectorAll('#ticket-list b').length")
            .await,
        0,
        "the name's markup became an element"
    );

    // ---- The header and the contact panel. ----
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{now}\"]"))
        .await;
    b.wait_for_with(
        "the user's name in the chat header",
        "document.getElementById('chat-title').textContent === 'Cannot sign in' \
         && document.querySelector('#chat-meta .chat-user')?.textContent === arguments[0]",
        vec![json!(name)],
    )
    .await;
    b.click("#btn-contact").await;
    b.wait_for_with(
        "the contact panel with the profile and both of the user's tickets",
        "(() => { const panel = document.getElementById('contact-panel'); \
         if (panel.hidden) return false; \
         const link = panel.querySelector('a.contact-username'); \
         const ids = [...panel.querySelectorAll('a.contact-ticket')].map(a => a.dataset.id); \
         return panel.querySelector('.contact-name').textContent === arguments[0] \
           && link && link.textContent === '@anna_li' && link.href === 'https://t.me/anna_li' \
           && ids.length === 2 && ids.includes(String(arguments[1])) && ids.includes(String(arguments[2])); })()",
        vec![json!(name), json!(now), json!(earlier)],
    )
    .await;
    let panel: Value = b
        .js_with(
            "const panel = document.getElementById('contact-panel').getBoundingClientRect();
             const composer = document.getElementById('composer').getBoundingClientRect();
             const earlier = document.querySelector(`#contact-panel a.contact-ticket[data-id=\"${arguments[0]}\"]`);
             return {
               markup: document.querySelectorAll('#chat b, #contact-panel b').length,
               details: document.querySelector('#contact-panel .contact-details').textContent,
               earlier: earlier.textContent,
               overComposer: !document.getElementById('composer').hidden && panel.bottom > composer.top + 1,
             };",
            vec![json!(earlier)],
        )
        .await;
    assert_eq!(panel["markup"], 0, "{panel}");
    assert_eq!(panel["overComposer"], false, "{panel}");
    let details = panel["details"].as_str().unwrap();
    assert!(details.contains(&USER.to_string()), "{panel}");
    assert!(details.contains("(ru)"), "the language: {panel}");
    let earlier_text = panel["earlier"].as_str().unwrap();
    assert!(
        earlier_text.contains("Refund for order 5531")
            && earlier_text.contains(&format!("#{earlier}"))
            && earlier_text.contains("Resolved"),
        "{panel}"
    );
    b.screenshot("desktop-contact-panel").await;

    // One click away: the earlier ticket opens, the panel stays; and back.
    b.click(&format!(
        "#contact-panel a.contact-ticket[data-id=\"{earlier}\"]"
    ))
    .await;
    b.wait_chat_text("the earlier ticket's conversation", "Where is my refund?")
        .await;
    assert_eq!(b.text_of("#chat-title").await, "Refund for order 5531");
    b.click(&format!(
        "#contact-panel a.contact-ticket[data-id=\"{now}\"]"
    ))
    .await;
    b.wait_chat_text("the current ticket again", "I tried three times.")
        .await;

    // ---- The user changes their name: the page follows. ----
    let renamed = json!({"first_name": "Анна-Мария", "username": "anna_li"});
    user_says(&site, now, renamed, "New name, same me.").await;
    b.wait_for(
        "the new name in the header and the panel",
        "document.querySelector('#chat-meta .chat-user')?.textContent === 'Анна-Мария' \
         && document.querySelector('#contact-panel .contact-name')?.textContent === 'Анна-Мария'",
    )
    .await;

    // ---- Boris takes the ticket: his name at once, from the event (no fetch of the ticket). ----
    const FETCHES: &str = "return performance.getEntriesByType('resource') \
        .filter(e => e.name.includes(`/support/tickets/${arguments[0]}/`)).length;";
    let fetches_before = b.js_with(FETCHES, vec![json!(now)]).await;
    assert!(
        fetches_before.as_u64().unwrap() > 0,
        "the page's requests are counted (its messages were)"
    );
    let mut boris_ws = site.manager_ws(&boris_session).await;
    send(&mut boris_ws, json!({"type": "ticket.assign", "id": now})).await;
    let assigned = recv_until(&mut boris_ws, "ticket.assigned").await;
    assert_eq!(assigned["manager"]["display_name"], BORIS_NAME);
    b.wait_for_with(
        "Assigned to Boris Ivanov",
        "document.getElementById('chat-meta').textContent.includes('Assigned to ' + arguments[0]) \
         && document.getElementById('chat-banner').textContent.includes(arguments[0])",
        vec![json!(BORIS_NAME)],
    )
    .await;
    assert_eq!(
        b.js_with(FETCHES, vec![json!(now)]).await,
        fetches_before,
        "the name came with ticket.assigned, not from fetching the ticket"
    );
    // Left: the other user's ticket, one ticket however many messages it gets.
    user_says(&site, other, json!({"first_name": "Olga"}), "still there?").await;
    b.wait_for_with(
        "the unassigned tab counting one ticket, its row three messages",
        "document.querySelector(`#ticket-list .ticket-item[data-id=\"${arguments[0]}\"] .badge [aria-hidden]`)?.textContent === '3' \
         && document.querySelector('#tab-unassigned .tab-count').textContent === '1' \
         && document.title.startsWith('(1)')",
        vec![json!(other)],
    )
    .await;

    // ---- He replies (his ticket: only he hears of it); taking it over names him in the dialog,
    // and the history loaded then names him as the author. ----
    send(
        &mut boris_ws,
        json!({"type": "ticket.message.new", "ticket_id": now, "text": "Boris here, checking."}),
    )
    .await;
    recv_until(&mut boris_ws, "ticket.message.new").await;
    b.click("#btn-assign").await;
    b.wait_for_with(
        "the takeover dialog naming Boris",
        "document.getElementById('confirm').open \
         && document.getElementById('confirm-text').textContent.includes(arguments[0])",
        vec![json!(BORIS_NAME)],
    )
    .await;
    b.click("#confirm-ok").await;
    b.wait_for(
        "the composer after taking over",
        "!document.getElementById('composer').hidden",
    )
    .await;
    b.wait_for_with(
        "Boris's reply with his name",
        "[...document.querySelectorAll('#message-list .msg-supp')].some(li => \
           li.querySelector('.msg-text')?.textContent === 'Boris here, checking.' \
           && li.querySelector('.msg-author-name')?.textContent === arguments[0])",
        vec![json!(BORIS_NAME)],
    )
    .await;

    // ---- Anna's own reply is "You". ----
    b.type_into("#reply", "Anna here.").await;
    b.type_into("#reply", &fantoccini::key::Key::Enter).await;
    b.wait_for(
        "Anna's reply as You",
        "[...document.querySelectorAll('#message-list .msg-supp:not(.pending)')].some(li => \
           li.querySelector('.msg-text')?.textContent === 'Anna here.' \
           && li.querySelector('.msg-author-name')?.textContent === 'You')",
    )
    .await;
    // Read here: no message keeps its New mark.
    b.wait_for(
        "no New mark left",
        "document.querySelectorAll('#message-list .new-tag, #message-list .is-new').length === 0",
    )
    .await;
    b.screenshot("desktop-people").await;

    // ---- In Russian. ----
    b.click(".topbar .lang-btn[data-lang=\"ru\"]").await;
    b.wait_for(
        "the panel and the authors in Russian",
        "document.querySelector('#contact-panel .contact-heading').textContent === 'Контакт' \
         && [...document.querySelectorAll('#message-list .msg-author-name')].some(e => e.textContent === 'Вы') \
         && document.querySelector('#contact-panel .contact-history h3').textContent === 'Обращения пользователя'",
    )
    .await;

    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
    ])
    .await;
    b.close().await;
    drop(driver);
}

/// On a phone the contact panel is a full overlay; a ticket link closes it and opens the chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_contact_panel_on_a_phone() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_contact_panel_on_a_phone") else {
        return;
    };
    let site = TestServer::sqlite().await;
    create_or_update_manager(site.storage(), ANNA.0, ANNA.1, "Anna", "")
        .await
        .unwrap();
    let earlier = ticket_of(&site, USER, profile(), "First question", "hi").await;
    let now = ticket_of(&site, USER, profile(), "Second question", "hello again").await;

    let b = Browser::open(&driver, Screen::Phone).await;
    b.goto(&site.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{now}\"]"))
        .await;
    b.wait_chat_text("the chat", "hello again").await;
    b.click("#btn-contact").await;
    b.wait_for_with(
        "the panel over the whole screen",
        "(() => { const panel = document.getElementById('contact-panel'); \
         const r = panel.getBoundingClientRect(); \
         return !panel.hidden && r.left === 0 && r.top === 0 && r.width === innerWidth && r.height === innerHeight \
           && document.querySelectorAll('#contact-panel a.contact-ticket').length === 2 \
           && !!document.querySelector(`#contact-panel a.contact-ticket[data-id=\"${arguments[0]}\"]`); })()",
        vec![json!(earlier)],
    )
    .await;
    b.screenshot("phone-contact-panel").await;
    b.click(&format!(
        "#contact-panel a.contact-ticket[data-id=\"{earlier}\"]"
    ))
    .await;
    b.wait_for(
        "the earlier chat, the panel closed",
        "document.getElementById('chat-title').textContent === 'First question' \
         && document.getElementById('contact-panel').hidden",
    )
    .await;
    b.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
    ])
    .await;
    b.close().await;
    drop(driver);
}
