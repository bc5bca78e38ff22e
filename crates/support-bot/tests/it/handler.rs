//! The support handler end to end: real server, fake Telegram, updates dispatched through dptree.

use std::time::{Duration, Instant};

use crate::harness::*;
use support_bot::SupportState;
use support_bot::protocol::{Sender, TelegramId};
use support_server::storage::TicketQuery;
use teloxide::dptree;
use teloxide::prelude::*;

#[tokio::test]
async fn create_a_ticket_through_the_dialogue() {
    init_tracing();
    let h = Harness::new().await;

    assert_taken(&h.type_text(USER, "/support").await);
    let menu = h.tg.last("sendmessage");
    assert_eq!(menu.chat_id(), USER);
    assert_eq!(
        menu.callback_data(),
        ["sup:l:o:0", "sup:l:c:0", "sup:n", "sup:x"]
    );
    assert_eq!(menu.body["parse_mode"], "HTML");

    assert_taken(&h.press(USER, "sup:n").await);
    let prompt = h.tg.last("editmessagetext");
    assert!(prompt.text().contains("256"), "{}", prompt.text());
    assert_eq!(h.state(USER).await, SupportState::CreateTitle);

    assert_taken(&h.type_text(USER, "  Card <charged> twice  ").await);
    let text_prompt = h.tg.last("sendmessage");
    assert!(
        text_prompt.text().contains("Card &lt;charged&gt; twice"),
        "{}",
        text_prompt.text()
    );
    assert!(text_prompt.text().contains("4096"));

    assert_taken(&h.type_text(USER, "It happened on Monday & Tuesday").await);
    let confirm = h.tg.last("sendmessage");
    assert!(confirm.text().contains("Card &lt;charged&gt; twice"));
    assert!(confirm.text().contains("Monday &amp; Tuesday"));
    let send = confirm.callback_data()[0].clone();
    assert!(send.starts_with("sup:ny:"), "{send}");
    assert_eq!(confirm.callback_data()[1], "sup:nt");

    assert_taken(&h.press(USER, &send).await);
    // The ticket and its first message are in the server's storage.
    let (tickets, _) = h
        .backend
        .storage()
        .list_tickets(&TicketQuery {
            user_id: Some(TelegramId::new(USER)),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.title, "Card <charged> twice");
    assert!(!ticket.resolved);
    let messages = h.client.messages(ticket.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text, "It happened on Monday & Tuesday");
    assert_eq!(messages[0].sender, Sender::User);

    let created = h.tg.last("editmessagetext");
    assert!(
        created.text().contains(&format!("#{}", ticket.id)),
        "{}",
        created.text()
    );
    let view = h.tg.last("sendmessage");
    assert!(view.text().contains(&format!(
        "Обращение #{} Card &lt;charged&gt; twice",
        ticket.id
    )));
    assert!(view.text().contains("Monday &amp; Tuesday"));
    assert!(matches!(
        h.state(USER).await,
        SupportState::Ticket { id, resolved: false, .. } if id == ticket.id
    ));

    // Pressing confirm again creates nothing more.
    assert_taken(&h.press(USER, &send).await);
    assert_eq!(
        h.client
            .user_tickets(TelegramId::new(USER), false)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn create_refuses_bad_input_and_has_back_everywhere() {
    let h = Harness::new().await;
    assert_taken(&h.press(USER, "sup:n").await);

    assert_taken(&h.type_text(USER, &"x".repeat(257)).await);
    let refused = h.tg.last("sendmessage");
    assert!(
        refused.text().contains("257") && refused.text().contains("256"),
        "{}",
        refused.text()
    );
    assert_eq!(refused.callback_data(), ["sup:m"]);
    assert_eq!(h.state(USER).await, SupportState::CreateTitle);

    assert_taken(&h.type_text(USER, "   ").await);
    assert!(h.tg.last("sendmessage").text().contains("256"));

    assert_taken(&h.type_text(USER, "Title").await);
    assert_taken(&h.type_text(USER, &"y".repeat(4097)).await);
    let refused = h.tg.last("sendmessage");
    assert!(refused.text().contains("4096"), "{}", refused.text());
    assert_eq!(refused.callback_data(), ["sup:n"]);

    assert_taken(&h.type_text(USER, "Body").await);
    // Back from the confirmation returns to the text step with the title kept.
    assert_taken(&h.press(USER, "sup:nt").await);
    assert!(h.tg.last("editmessagetext").text().contains("Title"));
    assert_eq!(
        h.state(USER).await,
        SupportState::CreateText {
            title: "Title".into()
        }
    );
    // Back from the text step returns to the title step, and from there to the menu.
    assert_taken(&h.press(USER, "sup:n").await);
    assert_eq!(h.state(USER).await, SupportState::CreateTitle);
    assert_taken(&h.press(USER, "sup:m").await);
    assert_eq!(h.state(USER).await, SupportState::Idle);
    assert_eq!(h.tg.last("editmessagetext").callback_data().len(), 4);
    assert!(
        h.client
            .user_tickets(TelegramId::new(USER), false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn twenty_five_tickets_page_through_the_lists() {
    let h = Harness::new().await;
    let tickets = h.tickets(USER, 27).await;
    for t in &tickets[..2] {
        h.set_resolved(t.id, true).await;
    }
    h.tickets(2002, 3).await; // someone else's

    assert_taken(&h.press(USER, "sup:l:o:0").await);
    let page = h.tg.last("editmessagetext");
    let labels = page.button_labels();
    assert_eq!(labels.len(), 10 + 2 + 1, "{labels:?}");
    assert!(labels[0].ends_with(" Ticket 26"), "{labels:?}");
    assert!(
        labels[0]
            .chars()
            .take(10)
            .all(|c| c.is_ascii_digit() || c == '.')
    );
    assert_eq!(&labels[10..], ["1/3", "▶", "« Назад"]);

    assert_taken(&h.press(USER, "sup:l:o:2").await);
    let last = h.tg.last("editmessagetext");
    assert_eq!(last.button_labels().len(), 5 + 2 + 1);
    assert!(last.button_labels()[4].ends_with(" Ticket 2"));
    assert_eq!(last.callback_data()[5], "sup:l:o:1");

    assert_taken(&h.press(USER, "sup:l:c:0").await);
    let closed = h.tg.last("editmessagetext");
    assert_eq!(closed.button_labels().len(), 3);
    assert!(closed.button_labels()[0].ends_with(" Ticket 1"));
    assert_eq!(
        closed.callback_data()[0],
        format!("sup:t:{}:0", tickets[1].id)
    );
}

#[tokio::test]
async fn a_ticket_with_twelve_messages_pages_in_the_view() {
    let h = Harness::new().await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    for i in 1..=10 {
        h.client
            .send_message(ticket.id, &format!("user {i}"))
            .await
            .unwrap();
    }
    h.backend.manager_reply(ticket.id, "manager 11").await;

    assert_taken(&h.press(USER, &format!("sup:t:{}:0", ticket.id)).await);
    let newest = h.tg.last("editmessagetext");
    assert!(
        newest
            .text()
            .starts_with(&format!("<b>Обращение #{} Ticket 0</b>", ticket.id))
    );
    for i in 7..=10 {
        assert!(newest.text().contains(&format!("user {i}")));
    }
    assert!(newest.text().contains("<b>Менеджер</b>") && newest.text().contains("manager 11"));
    assert!(newest.text().contains("<b>Вы</b>"));
    assert!(!newest.text().contains("user 6"));
    assert_eq!(
        newest.button_labels(),
        ["◀", "3/3", "Закрыть обращение", "« Назад"]
    );

    assert_taken(&h.press(USER, &format!("sup:t:{}:2", ticket.id)).await);
    let oldest = h.tg.last("editmessagetext");
    assert!(oldest.text().contains("first 0") && oldest.text().contains("user 1"));
    assert!(!oldest.text().contains("user 2"));
    assert_eq!(
        oldest.button_labels(),
        ["1/3", "▶", "Закрыть обращение", "« Назад"]
    );
}

#[tokio::test]
async fn typing_in_an_open_ticket_sends_a_message() {
    let h = Harness::new().await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", ticket.id)).await);

    assert_taken(&h.type_text(USER, "a <b>bold</b> question").await);
    let messages = h.client.messages(ticket.id).await.unwrap();
    assert_eq!(messages[0].text, "a <b>bold</b> question");
    assert_eq!(messages[0].sender, Sender::User);
    let view = h.tg.last("sendmessage");
    assert!(
        view.text().contains("a &lt;b&gt;bold&lt;/b&gt; question"),
        "{}",
        view.text()
    );

    // Someone else's ticket is not shown.
    let other = h.tickets(2002, 1).await.remove(0);
    h.tg.clear();
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", other.id)).await);
    let answer = h.tg.last("answercallbackquery");
    assert_eq!(answer.body["text"], "Обращение не найдено.");
    assert!(h.tg.ok_calls("editmessagetext").is_empty());
}

#[tokio::test]
async fn a_resolved_ticket_is_read_only() {
    let h = Harness::new().await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", ticket.id)).await);
    // Resolved by a manager while the user looks at it.
    h.set_resolved(ticket.id, true).await;
    assert_taken(&h.type_text(USER, "still there?").await);
    assert!(h.tg.last("sendmessage").text().contains("закрыто"));
    assert_eq!(h.client.messages(ticket.id).await.unwrap().len(), 1);
    assert_eq!(h.state(USER).await, SupportState::ticket(ticket.id, true));

    assert_taken(&h.press(USER, &format!("sup:t:{}:0", ticket.id)).await);
    let view = h.tg.last("editmessagetext");
    assert!(view.text().contains("писать в него нельзя"));
    assert_eq!(
        view.callback_data(),
        [format!("sup:to:{}", ticket.id), "sup:l:c:0".into()]
    );
    assert_taken(&h.type_text(USER, "hello?").await);
    assert_eq!(h.client.messages(ticket.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn host_updates_pass_through_untouched() {
    let h = Harness::new().await;
    // Plain text while support expects nothing.
    assert_passed(&h.type_text(USER, "hello host").await);
    // A host button.
    assert_passed(&h.press(USER, "host:settings").await);
    // /support in a group is not ours.
    let group = update(&serde_json::json!({
        "update_id": 900,
        "message": {"message_id": 5, "date": 1_700_000_000,
            "chat": {"id": -100, "type": "group", "title": "G"},
            "from": {"id": USER, "is_bot": false, "first_name": "U"}, "text": "/support"}
    }));
    assert_passed(&h.dispatch(group).await);

    // A host command while creating a ticket leaves support and passes on.
    assert_taken(&h.press(USER, "sup:n").await);
    assert_passed(&h.type_text(USER, "/start").await);
    assert_eq!(h.state(USER).await, SupportState::Idle);
    assert_passed(&h.type_text(USER, "now for the host").await);

    // In a tree, the host's handler receives what support ignores, and only that.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let tree: teloxide::dispatching::UpdateHandler<HostError> = dptree::entry()
        .branch(support_bot::handler())
        .branch(dptree::endpoint(move |update: Update| {
            let tx = tx.clone();
            async move {
                tx.send(format!("{:?}", update.id)).unwrap();
                Ok(())
            }
        }));
    let host_update = h.text_update(USER, "for the host");
    assert_taken(&h.dispatch_with(&tree, host_update).await);
    assert!(rx.try_recv().is_ok());
    assert_taken(
        &h.dispatch_with(&tree, h.text_update(USER, "/support"))
            .await,
    );
    assert!(rx.try_recv().is_err(), "the host got a support update");
}

#[tokio::test]
async fn the_main_menu_back_goes_to_the_host_or_closes() {
    let mut h = Harness::new().await;
    assert_taken(&h.type_text(USER, "/support").await);
    assert_taken(&h.press(USER, "sup:x").await);
    assert_eq!(h.tg.last("deletemessage").body["message_id"], 77);

    h.options = support_bot::SupportOptions::default().back_callback("host:main");
    assert_taken(&h.type_text(USER, "/support").await);
    assert_eq!(h.tg.last("sendmessage").callback_data()[3], "host:main");
    assert_passed(&h.press(USER, "host:main").await);
}

#[tokio::test]
async fn a_429_is_waited_out() {
    let h = Harness::new().await;
    h.tg.inject("sendmessage", Inject::RetryAfter(1));
    let started = Instant::now();
    assert_taken(&h.type_text(USER, "/support").await);
    let sends = sends(&h);
    assert_eq!(sends.len(), 2);
    assert!(sends[0].failed && !sends[1].failed);
    assert!(sends[1].at.duration_since(sends[0].at) >= Duration::from_millis(950));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_403_is_not_retried_forever() {
    let h = Harness::new().await;
    h.tg.inject("sendmessage", Inject::Blocked);
    assert_taken(&h.type_text(USER, "/support").await);
    let sends = sends(&h);
    assert_eq!(sends.len(), 1);
}

#[tokio::test]
async fn with_the_backend_down_the_user_is_told() {
    let backend = TestServer::sqlite().await;
    let h = Harness::with_client(backend, dead_client().await).await;

    // The menu needs no backend.
    assert_taken(&h.type_text(USER, "/support").await);
    assert!(h.tg.last("sendmessage").text().contains("Поддержка"));

    assert_taken(&h.press(USER, "sup:l:o:0").await);
    let answer = h.tg.last("answercallbackquery");
    assert_eq!(
        answer.body["text"],
        "Сервис временно недоступен, попробуйте позже"
    );
    assert_eq!(answer.body["show_alert"], true);

    // Confirming a ticket while the backend is down: told, and the draft is kept.
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Title").await);
    assert_taken(&h.type_text(USER, "Text").await);
    assert_taken(&h.press(USER, "sup:ny").await);
    assert_eq!(
        h.tg.last("answercallbackquery").body["text"],
        "Сервис временно недоступен, попробуйте позже"
    );
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateConfirm { .. }
    ));

    // Typing in a ticket while the backend is down.
    h.storage
        .clone()
        .update_dialogue(
            ChatId(USER),
            SupportState::ticket(support_bot::protocol::TicketId::new(1), false),
        )
        .await
        .unwrap();
    assert_taken(&h.type_text(USER, "anyone?").await);
    assert_eq!(
        h.tg.last("sendmessage").text(),
        "Сервис временно недоступен, попробуйте позже"
    );
}

#[tokio::test]
async fn english_texts_replace_the_russian_ones() {
    let mut h = Harness::new().await;
    h.languages = support_bot::Texts::english().into();
    assert_taken(&h.type_text(USER, "/support").await);
    assert_eq!(h.tg.last("sendmessage").button_labels()[0], "Open tickets");
}

#[tokio::test]
async fn a_telegram_server_error_is_retried() {
    let h = Harness::new().await;
    h.tg.inject("sendmessage", Inject::ServerError(502));
    assert_taken(&h.type_text(USER, "/support").await);
    let sends = sends(&h);
    assert_eq!(sends.len(), 2);
    assert!(sends[0].failed && !sends[1].failed);
    assert_eq!(sends[1].callback_data().len(), 4);
}

#[tokio::test]
async fn an_edit_to_the_same_screen_counts_as_shown() {
    let h = Harness::new().await;
    // A double tap on «Назад»: Telegram says the message is not modified.
    h.tg.inject("editmessagetext", Inject::NotModified);
    assert_taken(&h.press(USER, "sup:m").await);
    let calls = h.tg.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.method == "editmessagetext" && c.failed)
    );
    // Not sent again as a new message, not retried, and the press is answered.
    assert!(
        !calls.iter().any(|c| c.method == "sendmessage"),
        "{calls:#?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.method == "editmessagetext")
            .count(),
        1
    );
    assert!(calls.iter().any(|c| c.method == "answercallbackquery"));
}

/// Every `sendMessage` call so far, failed ones included.
fn sends(h: &Harness) -> Vec<Call> {
    h.tg.calls()
        .into_iter()
        .filter(|c| c.method == "sendmessage")
        .collect()
}
