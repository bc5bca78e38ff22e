//! Notes, canned replies and typing in the console (issue 17, parts 4 and 5), in headless
//! Chromium with two managers on one ticket: Anna's private note reaches Boris live, drawn as a
//! note and not as a message, and never becomes a message of the ticket (so never reaches
//! Telegram); a 10,000-character note with markup is bounded text; a canned reply made in the
//! dialog is inserted with `/hel` + Enter, its variables filled from the ticket; while Anna types,
//! Boris sees "Anna Petrova is typing…" (and Anna does not see her own), until it expires;
//! typing a note is announced to nobody.

use fantoccini::key::Key;
use serde_json::json;
use support_server::auth::create_or_update_manager;
use support_testkit::{Browser, Driver, Screen, TestServer};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "correct horse battery");
const BORIS: (&str, &str) = ("boris", "another horse battery");
const NOTE: &str = "Call the warehouse before replying.";

/// The note items of the open chat that show `text` (exactly).
const NOTE_WITH: &str = "[...document.querySelectorAll('#message-list li.note')].filter(li => \
    li.querySelector('.note-text')?.textContent === arguments[0])";

/// The messages of a list answer (a plain array, or a page's `results`).
fn messages_of(answer: &serde_json::Value) -> &Vec<serde_json::Value> {
    answer
        .as_array()
        .or_else(|| answer["results"].as_array())
        .unwrap_or_else(|| panic!("a list of messages: {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_notes_canned_replies_and_typing() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_notes_canned_replies_and_typing") else {
        return;
    };
    let site = TestServer::sqlite().await;
    create_or_update_manager(site.storage(), ANNA.0, ANNA.1, "Anna", "Petrova")
        .await
        .unwrap();
    create_or_update_manager(site.storage(), BORIS.0, BORIS.1, "Boris", "Ivanov")
        .await
        .unwrap();
    let body = json!({
        "user_id": 7101,
        "title": "Order never arrived",
        "text": "Where is my order?",
        "user": {"first_name": "Анна"},
    });
    let r = site
        .bot(reqwest::Method::POST, "/support/tickets/")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "create ticket {body}");
    let ticket = support_testkit::ws::id(&r.json().await.unwrap());
    let row = format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]");

    // ---- Both open the ticket; Anna takes it. ----
    let a = Browser::open(&driver, Screen::Desktop).await;
    let b = Browser::open(&driver, Screen::Desktop).await;
    for (browser, (user, password)) in [(&a, ANNA), (&b, BORIS)] {
        browser.goto(&site.console_url()).await;
        browser.login(user, password).await;
        browser
            .wait_live("the connection to go live", true, support_testkit::WAIT)
            .await;
        // The hash opens the ticket, as a click on its row does (which a list redrawn just
        // then would make stale).
        browser
            .wait_for_with(
                "the ticket's row",
                "!!document.querySelector(arguments[0])",
                vec![json!(row)],
            )
            .await;
        browser
            .js_with(
                "location.hash = `#/ticket/${arguments[0]}`; return null;",
                vec![json!(ticket)],
            )
            .await;
        browser
            .wait_chat_text("the user's message", "Where is my order?")
            .await;
    }
    a.click("#btn-assign").await;
    a.wait_for(
        "Anna's composer",
        "!document.getElementById('composer').hidden",
    )
    .await;

    // ---- A note: the composer changes colour and says who sees it. ----
    a.click("#mode-note").await;
    a.wait_for(
        "the composer in note mode",
        "document.getElementById('composer').classList.contains('is-note') \
         && document.getElementById('composer-hint').textContent.includes('Only your team sees notes') \
         && document.getElementById('mode-note').getAttribute('aria-pressed') === 'true'",
    )
    .await;
    a.type_into("#reply", NOTE).await;
    a.type_into("#reply", &Key::Enter).await;
    a.wait_for_with(
        "Anna's own note, the composer empty",
        &format!("{NOTE_WITH}.length === 1 && document.getElementById('reply').value === ''"),
        vec![json!(NOTE)],
    )
    .await;
    // Boris sees it live: a note card with its author, not a message.
    b.wait_for_with(
        "the note at Boris's, live",
        &format!(
            "(() => {{ const notes = {NOTE_WITH}; if (notes.length !== 1) return false; const li = notes[0]; \
             return !li.classList.contains('msg') && !li.querySelector('.bubble') \
               && li.querySelector('.note-author').textContent === 'Anna Petrova' \
               && li.querySelector('.note-label').textContent === 'Note' \
               && !!li.querySelector('time.note-time') \
               && document.querySelectorAll('#message-list li.msg').length === 1; }})()"
        ),
        vec![json!(NOTE)],
    )
    .await;
    // Never a message of the ticket: nothing for the bot to deliver to Telegram.
    let messages = site.messages(ticket).await;
    let texts: Vec<&str> = messages_of(&messages)
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["Where is my order?"],
        "the note is no message: {messages}"
    );

    // ---- A 10,000-character note with markup: text, bounded, "Show more". ----
    let long: String = format!("<b>html</b> {}", "lorem ipsum ".repeat(1000))
        .chars()
        .take(10_000)
        .collect::<String>()
        .trim()
        .to_owned();
    a.js_with(
        "const reply = document.getElementById('reply'); reply.value = arguments[0]; \
         reply.dispatchEvent(new Event('input', { bubbles: true })); return null;",
        vec![json!(long)],
    )
    .await;
    a.click("#send").await;
    b.wait_for_with(
        "the long note at Boris's",
        &format!("{NOTE_WITH}.length === 1"),
        vec![json!(long)],
    )
    .await;
    let shown = b
        .js_with(
            &format!(
                "const li = {NOTE_WITH}[0]; const card = li.querySelector('.note-card').getBoundingClientRect(); \
                 const pane = document.getElementById('messages').getBoundingClientRect(); \
                 return {{ markup: document.querySelectorAll('#message-list b').length, \
                   clamped: li.classList.contains('is-clamped'), height: card.height, \
                   inside: card.left >= pane.left && card.right <= pane.right + 1, \
                   more: li.querySelector('.note-more')?.textContent }};"
            ),
            vec![json!(long)],
        )
        .await;
    assert_eq!(shown["markup"], 0, "the markup stayed text: {shown}");
    assert_eq!(shown["clamped"], true, "{shown}");
    assert_eq!(shown["inside"], true, "the note stays in the pane: {shown}");
    assert_eq!(shown["more"], "Show more", "{shown}");
    assert!(shown["height"].as_f64().unwrap() < 300.0, "{shown}");
    b.click("#message-list li.note.is-clamped .note-more").await;
    b.wait_for_with(
        "the long note open, scrolling within half the screen",
        &format!(
            "(() => {{ const li = {NOTE_WITH}[0]; const text = li.querySelector('.note-text'); \
             return li.classList.contains('is-expanded') && text.clientHeight <= innerHeight / 2 + 1 \
               && text.scrollHeight > text.clientHeight; }})()"
        ),
        vec![json!(long)],
    )
    .await;
    b.screenshot("desktop-notes").await;

    // ---- A canned reply, made in the dialog. ----
    a.click("#mode-reply").await;
    a.click("#btn-canned").await;
    a.wait_for(
        "the canned replies dialog",
        "document.getElementById('canned-dialog').open",
    )
    .await;
    // Nothing typed: the form says what is missing.
    a.click("#canned-save").await;
    a.wait_for(
        "the form's complaint",
        "!document.getElementById('canned-error').hidden \
         && document.getElementById('canned-error').textContent.includes('Enter a title.')",
    )
    .await;
    a.type_into("#canned-title", "Hello").await;
    a.type_into("#canned-text", "Hello {first_name}, ticket {ticket_id}")
        .await;
    a.click("#canned-save").await;
    a.wait_for(
        "the new canned reply in the list",
        "[...document.querySelectorAll('#canned-list .canned-item-title')].some(e => e.textContent === 'Hello') \
         && document.getElementById('canned-error').hidden",
    )
    .await;
    a.screenshot("desktop-canned-dialog").await;
    a.click("#canned-close").await;

    // ---- `/hel` + Enter in the reply box; Boris sees Anna typing meanwhile. ----
    a.click("#reply").await;
    a.type_into("#reply", "/hel").await;
    a.wait_for(
        "the picker offering Hello",
        "!document.getElementById('canned-picker').hidden \
         && document.querySelector('#canned-picker [aria-selected=\"true\"] .canned-option-title')?.textContent === 'Hello'",
    )
    .await;
    b.wait_for(
        "Anna typing, at Boris's",
        "!document.getElementById('typing-line').hidden \
         && document.getElementById('typing-line').textContent === 'Anna Petrova is typing…'",
    )
    .await;
    assert_eq!(
        a.js("return document.getElementById('typing-line').hidden")
            .await,
        true,
        "Anna does not see her own typing"
    );
    a.screenshot("desktop-canned-picker").await;
    a.type_into("#reply", &Key::Enter).await;
    a.wait_for_with(
        "the canned reply filled in",
        "document.getElementById('reply').value === arguments[0] \
         && document.getElementById('canned-picker').hidden",
        vec![json!(format!("Hello Анна, ticket {ticket}"))],
    )
    .await;
    // Inserting sent nothing: the ticket still has its one message.
    assert_eq!(messages_of(&site.messages(ticket).await).len(), 1);
    // Five seconds after the last typing, the line goes.
    b.wait_for_within(
        "the typing line to go",
        "document.getElementById('typing-line').hidden",
        vec![],
        std::time::Duration::from_secs(12),
    )
    .await;

    // Typing a note says nothing: not to the other managers, so not to the bot (the user).
    a.js(
        "const reply = document.getElementById('reply'); reply.value = ''; \
          reply.dispatchEvent(new Event('input', { bubbles: true })); return null;",
    )
    .await;
    a.click("#mode-note").await;
    a.type_into("#reply", "Private: refund approved by finance")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        b.js("return document.getElementById('typing-line').hidden")
            .await,
        true,
        "typing a note is not announced"
    );

    // ---- In Russian. ----
    b.click(".topbar .lang-btn[data-lang=\"ru\"]").await;
    b.wait_for(
        "the notes in Russian",
        "[...document.querySelectorAll('#message-list li.note .note-label')].every(e => e.textContent === 'Заметка') \
         && document.querySelectorAll('#message-list li.note').length === 2",
    )
    .await;

    for browser in [&a, &b] {
        browser
            .assert_no_console_errors(&[
                "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
            ])
            .await;
    }
    a.close().await;
    b.close().await;
    drop(driver);
}
