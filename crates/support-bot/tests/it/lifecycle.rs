//! Issue 13, part 6: the user closes and reopens their ticket; the managers are told
//! (`ticket.updated`); the notice that support resolved a ticket has working buttons.

use crate::harness::*;
use support_bot::SupportState;
use support_bot::screens::{reopened_screen, resolved_screen};
use support_testkit::ws::recv_until;

fn last_answer(h: &Harness) -> serde_json::Value {
    h.tg.last("answercallbackquery").body
}

#[tokio::test]
async fn the_user_closes_and_reopens_a_ticket() {
    init_tracing();
    let h = Harness::new().await;
    let (_, session) = h.backend.manager("anna").await;
    let mut manager = h.backend.manager_ws(&session).await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    let id = ticket.id;

    assert_taken(&h.press(USER, &format!("sup:t:{id}:0")).await);
    let view = h.tg.last("editmessagetext");
    assert_eq!(view.button_labels(), ["Закрыть обращение", "« Назад"]);
    assert_eq!(view.callback_data()[0], format!("sup:tx:{id}"));

    // Close: one tap; resolved on the server, managers told, «Открыть снова» in its place.
    assert_taken(&h.press(USER, &format!("sup:tx:{id}")).await);
    assert!(h.client.ticket(id).await.unwrap().resolved);
    let event = recv_until(&mut manager, "ticket.updated").await;
    assert_eq!(event["ticket"]["id"], id.get());
    assert_eq!(event["ticket"]["resolved"], true);
    assert_eq!(last_answer(&h)["text"], "Обращение закрыто.");
    let closed = h.tg.last("editmessagetext");
    assert_eq!(closed.button_labels(), ["Открыть снова", "« Назад"]);
    assert_eq!(h.state(USER).await, SupportState::ticket(id, true));

    // Typing in it is refused, with the way to reopen it.
    assert_taken(&h.type_text(USER, "one more thing").await);
    let refused = h.tg.last("sendmessage");
    assert!(refused.text().contains("закрыто"));
    assert_eq!(refused.callback_data()[0], format!("sup:to:{id}"));
    assert_eq!(h.client.messages(id).await.unwrap().len(), 1);

    // Reopen (from the refusal): open on the server, managers told, and typing goes in.
    assert_taken(&h.press(USER, &refused.callback_data()[0]).await);
    assert!(!h.client.ticket(id).await.unwrap().resolved);
    let event = recv_until(&mut manager, "ticket.updated").await;
    assert_eq!(event["ticket"]["resolved"], false);
    assert_eq!(last_answer(&h)["text"], "Обращение снова открыто.");
    assert_eq!(
        h.tg.last("editmessagetext").callback_data()[0],
        format!("sup:tx:{id}")
    );
    assert_taken(&h.type_text(USER, "one more thing").await);
    let messages = h.client.messages(id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].text, "one more thing");

    // Closing twice (a double tap, a stale screen) changes nothing more and says where it is.
    assert_taken(&h.press(USER, &format!("sup:tx:{id}")).await);
    assert_taken(&h.press(USER, &format!("sup:tx:{id}")).await);
    assert!(h.client.ticket(id).await.unwrap().resolved);
    assert_eq!(last_answer(&h)["text"], "Обращение закрыто.");
}

#[tokio::test]
async fn the_resolved_notice_buttons_work() {
    let h = Harness::new().await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    let id = ticket.id;
    // A manager resolves it; the push listener would send this screen.
    let resolved = h.set_resolved(id, true).await;
    let notice = resolved_screen(h.languages.fallback_texts(), &resolved);
    assert!(notice.text.contains(&format!("#{id} «Ticket 0» решено")));
    let [reopen, open] = <[String; 2]>::try_from(notice.callback_data()).unwrap();

    // «Открыть обращение»: the resolved ticket, read-only.
    assert_taken(&h.press(USER, &open).await);
    assert!(
        h.tg.last("editmessagetext")
            .text()
            .contains("писать в него нельзя")
    );
    assert_eq!(h.state(USER).await, SupportState::ticket(id, true));

    // «Открыть снова»: open again, shown, and typed text lands in it.
    assert_taken(&h.press(USER, &reopen).await);
    assert!(!h.client.ticket(id).await.unwrap().resolved);
    assert!(
        h.tg.last("editmessagetext")
            .text()
            .contains(&format!("Обращение #{id} Ticket 0"))
    );
    assert_taken(&h.type_text(USER, "it broke again").await);
    assert_eq!(
        h.client.messages(id).await.unwrap()[0].text,
        "it broke again"
    );

    // The notice that support reopened it opens the ticket.
    let reopened = reopened_screen(
        h.languages.fallback_texts(),
        &h.client.ticket(id).await.unwrap(),
    );
    assert_eq!(reopened.callback_data(), [format!("sup:t:{id}:0")]);
    assert_taken(&h.press(USER, &reopened.callback_data()[0]).await);
    assert_eq!(h.state(USER).await, SupportState::ticket(id, false));

    // Someone else's ticket cannot be reopened from a forged button.
    let other = h.tickets(2002, 1).await.remove(0);
    h.set_resolved(other.id, true).await;
    assert_taken(&h.press(USER, &format!("sup:to:{}", other.id)).await);
    assert_eq!(last_answer(&h)["text"], "Обращение не найдено.");
    assert!(h.client.ticket(other.id).await.unwrap().resolved);
}
