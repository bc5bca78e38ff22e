//! Issue 13, part 4: dialogue state that survives a restart of the bot (teloxide's SQLite
//! storage), stale buttons that say what happened, and idempotent double taps on «Отправить».

use std::path::Path;

use crate::harness::*;
use support_bot::protocol::{Sender, TelegramId, Ticket, TicketId};
use support_bot::{SupportState, SupportStorage};
use teloxide::dispatching::dialogue::serializer::Json;
use teloxide::dispatching::dialogue::{SqliteStorage, Storage};
use teloxide::types::ChatId;

/// teloxide's SQLite dialogue storage in `path`, as the example bot opens it.
async fn sqlite_storage(path: &Path) -> SupportStorage {
    let storage = SqliteStorage::open(path.to_str().unwrap(), Json)
        .await
        .unwrap();
    <SqliteStorage<Json> as Storage<SupportState>>::erase(storage)
}

/// A restart of the bot: the old handler and storage connection dropped, new ones built on the
/// same storage file.
async fn restart(h: &mut Harness, path: &Path) {
    h.handler = support_bot::handler();
    h.storage = sqlite_storage(path).await;
}

/// The open tickets of `USER` on the server.
async fn open_tickets(h: &Harness) -> Vec<Ticket> {
    h.client
        .user_tickets(TelegramId::new(USER), false)
        .await
        .unwrap()
}

/// The «Отправить» data of the last confirmation sent.
fn send_button(h: &Harness) -> String {
    let data = h.tg.last("sendmessage").callback_data();
    assert!(data[0].starts_with("sup:ny:"), "{data:?}");
    data[0].clone()
}

/// The title and the text of a draft, typed; returns its «Отправить» data.
async fn draft(h: &Harness, title: &str, text: &str) -> String {
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, title).await);
    assert_taken(&h.type_text(USER, text).await);
    send_button(h)
}

fn last_answer(h: &Harness) -> serde_json::Value {
    h.tg.last("answercallbackquery").body
}

#[tokio::test]
async fn a_restart_mid_dialogue_loses_nothing() {
    init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dialogues.db");
    let mut h = Harness::new().await;
    h.storage = sqlite_storage(&db).await;
    let ticket = h.tickets(USER, 1).await.remove(0);

    // Viewing an open ticket; the bot restarts; typed text still goes to the ticket.
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", ticket.id)).await);
    restart(&mut h, &db).await;
    assert_taken(&h.type_text(USER, "typed after the restart").await);
    let messages = h.client.messages(ticket.id).await.unwrap();
    assert_eq!(messages[0].text, "typed after the restart");
    assert_eq!(messages[0].sender, Sender::User);

    // A draft in the middle of creation continues after a restart ...
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Restarted title").await);
    restart(&mut h, &db).await;
    assert_taken(&h.type_text(USER, "Restarted text").await);
    let send = send_button(&h);
    assert!(h.tg.last("sendmessage").text().contains("Restarted title"));

    // ... and «Отправить» after another restart creates the ticket.
    restart(&mut h, &db).await;
    assert_taken(&h.press(USER, &send).await);
    let open = open_tickets(&h).await;
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].title, "Restarted title");
    let first = h.client.messages(open[0].id).await.unwrap();
    assert_eq!(first[0].text, "Restarted text");
    assert!(matches!(
        h.state(USER).await,
        SupportState::Ticket { id, resolved: false, .. } if id == open[0].id
    ));
}

#[tokio::test]
async fn a_double_tap_on_send_creates_one_ticket() {
    let h = Harness::new().await;
    let send = draft(&h, "Once", "only once").await;

    assert_taken(&h.press(USER, &send).await);
    let created = open_tickets(&h).await;
    assert_eq!(created.len(), 1);
    let id = created[0].id;

    h.tg.clear();
    assert_taken(&h.press(USER, &send).await);
    assert_eq!(open_tickets(&h).await.len(), 1);
    let answer = last_answer(&h);
    assert_eq!(answer["text"], format!("Обращение #{id} уже отправлено."));
    // The created ticket is shown, and the dialogue stays with it.
    let shown = h.tg.last("editmessagetext");
    assert!(shown.text().contains(&format!("Обращение #{id} Once")));
    assert!(matches!(h.state(USER).await, SupportState::Ticket { id: s, .. } if s == id));
    assert_taken(&h.type_text(USER, "and a follow-up").await);
    assert_eq!(
        h.client.messages(id).await.unwrap()[0].text,
        "and a follow-up"
    );
}

#[tokio::test]
async fn two_presses_at_once_create_one_ticket() {
    let h = Harness::new().await;
    let send = draft(&h, "Concurrent", "pressed twice at once").await;
    h.tg.clear();
    // Not through a dispatcher (which would handle one chat's updates one after the other):
    // both presses run at the same time.
    let (a, b) = tokio::join!(h.press(USER, &send), h.press(USER, &send));
    assert_taken(&a);
    assert_taken(&b);
    let open = open_tickets(&h).await;
    assert_eq!(open.len(), 1, "{open:?}");
    let answers: Vec<_> = h.tg.ok_calls("answercallbackquery");
    assert_eq!(answers.len(), 2);
    assert!(
        answers
            .iter()
            .any(|c| c.body["text"] == format!("Обращение #{} уже отправлено.", open[0].id)),
        "{answers:?}"
    );
}

#[tokio::test]
async fn a_stale_send_says_what_happened() {
    let h = Harness::new().await;

    // No draft at all (state lost, or the user left): told, and creating starts again.
    assert_taken(&h.press(USER, "sup:ny:12345").await);
    let answer = last_answer(&h);
    assert_eq!(
        answer["text"],
        "Черновик обращения устарел, начните заново."
    );
    assert_eq!(answer["show_alert"], true);
    assert!(h.tg.last("editmessagetext").text().contains("256"));
    assert_eq!(h.state(USER).await, SupportState::CreateTitle);
    // An old-style button without a draft number, with no draft: the same.
    assert_taken(&h.press(USER, "sup:ny").await);
    assert_eq!(
        last_answer(&h)["text"],
        "Черновик обращения устарел, начните заново."
    );
    // «Назад» of a confirmation whose draft is gone: the same.
    assert_taken(&h.press(USER, "sup:nt").await);
    assert_eq!(
        last_answer(&h)["text"],
        "Черновик обращения устарел, начните заново."
    );
    assert_eq!(h.state(USER).await, SupportState::CreateTitle);

    // An older confirmation of a draft whose text was replaced: the current one is shown.
    let old = draft(&h, "Changed", "first text").await;
    assert_taken(&h.type_text(USER, "second text").await);
    let current = send_button(&h);
    assert_ne!(old, current);
    assert_taken(&h.press(USER, &old).await);
    let answer = last_answer(&h);
    assert_eq!(
        answer["text"],
        "Черновик изменился: проверьте его и отправьте ещё раз."
    );
    let shown = h.tg.last("editmessagetext");
    assert!(shown.text().contains("second text"), "{}", shown.text());
    assert_eq!(shown.callback_data()[0], current);
    assert!(open_tickets(&h).await.is_empty());
    assert_taken(&h.press(USER, &current).await);
    let open = open_tickets(&h).await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        h.client.messages(open[0].id).await.unwrap()[0].text,
        "second text"
    );
}

#[tokio::test]
async fn stale_and_forged_buttons_are_answered() {
    let h = Harness::new().await;
    for forged in ["sup:zzz", "sup:t:abc:0", "sup:ny:-1", "sup:tx:", "sup:"] {
        h.tg.clear();
        // Support's prefix: not handed to the host.
        assert_taken(&h.press(USER, forged).await);
        let answer = last_answer(&h);
        assert_eq!(
            answer["text"], "Эта кнопка больше не действует.",
            "{forged}"
        );
        assert_eq!(answer["show_alert"], true);
    }

    // A ticket that does not exist, or someone else's.
    let other = h.tickets(2002, 1).await.remove(0);
    for id in [999_999, other.id.get()] {
        for data in [format!("sup:t:{id}:0"), format!("sup:tx:{id}")] {
            assert_taken(&h.press(USER, &data).await);
            assert_eq!(last_answer(&h)["text"], "Обращение не найдено.", "{data}");
        }
    }
    assert!(!h.client.ticket(other.id).await.unwrap().resolved);

    // The pager's label only stops the spinner.
    h.tg.clear();
    assert_taken(&h.press(USER, "sup:_").await);
    assert!(last_answer(&h).get("text").is_none());

    // Typing in a ticket that is gone: told, with the menu, and support lets go of the chat.
    h.storage
        .clone()
        .update_dialogue(
            ChatId(USER),
            SupportState::ticket(TicketId::new(999_999), false),
        )
        .await
        .unwrap();
    assert_taken(&h.type_text(USER, "hello?").await);
    let told = h.tg.last("sendmessage");
    assert_eq!(told.text(), "Обращение не найдено.");
    assert_eq!(told.callback_data()[0], "sup:l:o:0");
    assert_eq!(h.state(USER).await, SupportState::Idle);
    assert_passed(&h.type_text(USER, "now for the host").await);
}
