//! Answers go to the ticket the user meant: a Telegram reply to a pushed message goes to that
//! push's ticket; a push makes its ticket the current one unless a ticket is being created; when
//! it is ambiguous, the bot asks which ticket.

use std::time::Duration;

use crate::harness::*;
use support_bot::SupportState;
use support_bot::protocol::{Message, Sender, TelegramId, Ticket};

const WAIT: Duration = Duration::from_secs(10);

/// Two tickets of the user, the push listener running, and the manager replies of a test.
async fn setup() -> (Harness, Ticket, Ticket, tokio::task::JoinHandle<()>) {
    init_tracing();
    let h = Harness::new().await;
    let a = h
        .client
        .create_ticket(TelegramId::new(USER), "Ticket A", "first")
        .await
        .unwrap();
    let b = h
        .client
        .create_ticket(TelegramId::new(USER), "Ticket B", "second")
        .await
        .unwrap();
    let push = h.push_listener();
    let task = tokio::spawn(async move {
        let _ = push.run().await;
    });
    (h, a, b, task)
}

/// The manager replies in `ticket`; returns the pushed message as the fake recorded it.
async fn push(h: &Harness, ticket: &Ticket, text: &str) -> Call {
    h.backend.manager_reply(ticket.id, text).await;
    let calls =
        h.tg.wait_for(WAIT, |c| {
            c.iter()
                .any(|c| c.method == "sendmessage" && !c.failed && c.text().contains(text))
        })
        .await;
    let pushed = calls
        .into_iter()
        .find(|c| c.method == "sendmessage" && c.text().contains(text))
        .unwrap();
    // Wait for the listener to move the dialogue on (it does so right after the send).
    tokio::time::sleep(Duration::from_millis(200)).await;
    pushed
}

/// The user messages of a ticket, oldest first.
async fn user_texts(h: &Harness, ticket: &Ticket) -> Vec<String> {
    let mut messages: Vec<Message> = h.client.messages(ticket.id).await.unwrap();
    messages.retain(|m| m.sender == Sender::User);
    messages.sort_by_key(|m| m.id);
    messages.into_iter().map(|m| m.text).collect()
}

#[tokio::test]
async fn a_telegram_reply_to_a_push_lands_in_its_ticket_even_while_another_is_shown() {
    let (h, a, b, task) = setup().await;
    // The user is looking at ticket A.
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", a.id)).await);
    assert_eq!(h.state(USER).await, SupportState::ticket(a.id, false));
    let pushed = push(&h, &b, "Which card?").await;
    // They answer B's push with a Telegram reply.
    let flow = h
        .dispatch(h.reply_update(USER, "The Visa one", &pushed))
        .await;
    assert_taken(&flow);
    assert_eq!(user_texts(&h, &b).await, ["second", "The Visa one"]);
    assert_eq!(user_texts(&h, &a).await, ["first"]);
    assert_eq!(h.state(USER).await, SupportState::ticket(b.id, false));
    task.abort();
}

#[tokio::test]
async fn after_a_push_at_the_host_menu_typing_answers_it() {
    let (h, _a, b, task) = setup().await;
    assert_eq!(h.state(USER).await, SupportState::Idle);
    push(&h, &b, "Are you still there?").await;
    assert_eq!(h.state(USER).await, SupportState::ticket(b.id, false));
    let flow = h.type_text(USER, "Yes I am").await;
    assert_taken(&flow);
    assert_eq!(user_texts(&h, &b).await, ["second", "Yes I am"]);
    // A host command still leaves support.
    assert_passed(&h.type_text(USER, "/start").await);
    task.abort();
}

#[tokio::test]
async fn when_it_is_ambiguous_the_bot_asks_which_ticket() {
    let (h, a, b, task) = setup().await;
    assert_taken(&h.press(USER, &format!("sup:t:{}:0", a.id)).await);
    push(&h, &b, "News on B").await;
    assert!(matches!(h.state(USER).await, SupportState::Choosing { .. }));
    h.tg.clear();
    assert_taken(&h.type_text(USER, "Thanks!").await);
    // Nothing sent yet; the choice is asked for, one button per ticket.
    assert_eq!(user_texts(&h, &a).await, ["first"]);
    assert_eq!(user_texts(&h, &b).await, ["second"]);
    let prompt = h.tg.last("sendmessage");
    assert_eq!(
        prompt.callback_data(),
        [format!("sup:ca:{}", a.id), format!("sup:ca:{}", b.id)]
    );
    assert_eq!(
        prompt.button_labels(),
        [format!("#{} Ticket A", a.id), format!("#{} Ticket B", b.id)]
    );
    // More text is held with it.
    assert_taken(&h.type_text(USER, "And one more thing").await);
    assert_taken(&h.press(USER, &format!("sup:ca:{}", b.id)).await);
    assert_eq!(
        user_texts(&h, &b).await,
        ["second", "Thanks!\n\nAnd one more thing"]
    );
    assert_eq!(h.state(USER).await, SupportState::ticket(b.id, false));
    // The same button again: nothing held any more, and the user is told.
    h.tg.clear();
    assert_taken(&h.press(USER, &format!("sup:ca:{}", b.id)).await);
    let alert = h.tg.last("answercallbackquery");
    assert_eq!(alert.body["show_alert"], true);
    assert_eq!(user_texts(&h, &b).await.len(), 2);
    task.abort();
}

#[tokio::test]
async fn a_push_does_not_take_over_a_ticket_being_created() {
    let (h, _a, b, task) = setup().await;
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "New problem").await);
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateText { .. }
    ));
    let pushed = push(&h, &b, "Reply on B").await;
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateText { .. }
    ));
    // Typing continues the draft...
    assert_taken(&h.type_text(USER, "It broke").await);
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateConfirm { .. }
    ));
    assert_eq!(user_texts(&h, &b).await, ["second"]);
    // ...and a Telegram reply to the push still reaches B, leaving the draft as it was.
    assert_taken(
        &h.dispatch(h.reply_update(USER, "Answer to B", &pushed))
            .await,
    );
    assert_eq!(user_texts(&h, &b).await, ["second", "Answer to B"]);
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateConfirm { .. }
    ));
    task.abort();
}

#[tokio::test]
async fn a_reply_to_a_push_of_a_resolved_ticket_offers_to_reopen_it() {
    let (h, _a, b, task) = setup().await;
    let pushed = push(&h, &b, "Done, closing").await;
    h.set_resolved(b.id, true).await;
    h.tg.clear();
    assert_taken(
        &h.dispatch(h.reply_update(USER, "Wait, not yet", &pushed))
            .await,
    );
    assert_eq!(user_texts(&h, &b).await, ["second"]);
    let refusal = h.tg.last("sendmessage");
    assert!(
        refusal
            .callback_data()
            .contains(&format!("sup:to:{}", b.id)),
        "{:?}",
        refusal.callback_data()
    );
    task.abort();
}
