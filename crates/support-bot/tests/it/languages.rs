//! Every user in their language, times with their zone (issue 13, part 5): screens chosen by
//! the Telegram `language_code` of each update, and the code reported to the server.

use crate::client::python_like;
use crate::harness::*;
use support_bot::protocol::TelegramId;
use support_bot::{Languages, SupportOptions};
use time::UtcOffset;

const EN: i64 = 2001;
const RU: i64 = 2002;
const NONE: i64 = 2003;

/// Title, text, confirm: the ticket view is the last message sent.
async fn create(h: &Harness, user: i64, title: &str) -> Call {
    assert_taken(&h.press(user, "sup:n").await);
    assert_taken(&h.type_text(user, title).await);
    assert_taken(&h.type_text(user, "the details").await);
    assert_taken(&h.press(user, "sup:ny").await);
    h.tg.last("sendmessage")
}

#[tokio::test]
async fn each_user_gets_the_screens_in_their_language() {
    init_tracing();
    let mut h = Harness::new().await;
    h.languages = Languages::default();
    h.options = SupportOptions::default().utc_offset(UtcOffset::from_hms(3, 0, 0).unwrap());
    h.set_language(EN, "en-US");
    h.set_language(RU, "ru");

    let menu = |user| {
        let h = &h;
        async move {
            assert_taken(&h.type_text(user, "/support").await);
            let sent = h.tg.last("sendmessage");
            assert_eq!(sent.chat_id(), user);
            sent.button_labels()[0].clone()
        }
    };
    assert_eq!(menu(EN).await, "Open tickets");
    assert_eq!(menu(RU).await, "Открытые обращения");
    assert_eq!(menu(NONE).await, "Открытые обращения");

    let view = create(&h, EN, "Refund").await;
    assert!(view.text().starts_with("<b>Ticket #"), "{}", view.text());
    assert!(view.text().contains("<b>You</b> · "), "{}", view.text());
    assert!(
        view.text().contains(" (UTC+3)\nthe details"),
        "{}",
        view.text()
    );
    // The prompt of a refused input is English too.
    assert_taken(&h.press(EN, "sup:n").await);
    assert_taken(&h.type_text(EN, &"x".repeat(300)).await);
    assert!(h.tg.last("sendmessage").text().starts_with("Too long"));

    let view = create(&h, RU, "Возврат").await;
    assert!(view.text().starts_with("<b>Обращение #"), "{}", view.text());
    assert!(view.text().contains("<b>Вы</b> · "));

    // The server took the tickets with the language code.
    for user in [EN, RU] {
        let open = h
            .client
            .user_tickets(TelegramId::new(user), false)
            .await
            .unwrap();
        assert_eq!(open.len(), 1, "{user}");
    }

    // A press is answered in the presser's language.
    assert_taken(&h.press(EN, "sup:t:999999:0").await);
    assert_eq!(
        h.tg.last("answercallbackquery").body["text"],
        "Ticket not found."
    );
    assert_taken(&h.press(NONE, "sup:t:999999:0").await);
    assert_eq!(
        h.tg.last("answercallbackquery").body["text"],
        "Обращение не найдено."
    );
}

#[tokio::test]
async fn a_single_texts_is_every_users_language_and_times_say_utc() {
    let h = Harness::new().await;
    h.set_language(EN, "en");
    assert_taken(&h.type_text(EN, "/support").await);
    assert_eq!(
        h.tg.last("sendmessage").button_labels()[0],
        "Открытые обращения"
    );
    let view = create(&h, EN, "T").await;
    assert!(
        view.text().contains(" (UTC)\nthe details"),
        "{}",
        view.text()
    );
}

#[tokio::test]
async fn the_override_hook_wins_over_telegram() {
    let mut h = Harness::new().await;
    h.languages = Languages::default().choose(|user| (user.id.0 == 2002).then(|| "en".into()));
    h.set_language(RU, "ru");
    assert_taken(&h.type_text(RU, "/support").await);
    assert_eq!(h.tg.last("sendmessage").button_labels()[0], "Open tickets");
}

#[tokio::test]
async fn the_language_code_goes_to_the_server_with_tickets_and_messages() {
    let (addr, log) = python_like().await;
    let mut h = Harness::with_client(TestServer::sqlite().await, client_for(addr)).await;
    h.languages = Languages::default();
    h.set_language(USER, "en-US");
    create(&h, USER, "Help").await;
    assert_taken(&h.type_text(USER, "more").await);
    let log = log.lock().unwrap().clone();
    let sent: Vec<_> = log
        .iter()
        .filter(|l| l.starts_with("create") || l.starts_with("message"))
        .collect();
    assert_eq!(sent.len(), 3, "{log:#?}");
    for line in sent {
        assert!(line.contains(r#""language_code":"en-US""#), "{line}");
    }

    // A user without a language code sends none.
    let (addr, log) = python_like().await;
    let h = Harness::with_client(TestServer::sqlite().await, client_for(addr)).await;
    create(&h, USER, "Help").await;
    let log = log.lock().unwrap().clone();
    assert!(log.iter().all(|l| !l.contains("language_code")), "{log:#?}");
}
