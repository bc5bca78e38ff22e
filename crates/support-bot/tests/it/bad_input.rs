//! Every bad input a user can make gets a clear message in the user's language, and nothing
//! already stored changes: polls and dice (kinds support does not take), over-long texts, forged
//! and stale buttons in a ticket, a poll in reply to a push, a photo while choosing a ticket
//! (only text is held there).

use serde_json::{Value, json};
use support_bot::protocol::TelegramId;
use support_bot::{Languages, SupportState, Texts};

use crate::harness::*;

const EN: i64 = 2001;

fn poll() -> Value {
    json!({"id": "p1", "question": "Which?", "options": [
        {"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}],
        "total_voter_count": 0, "is_closed": false, "is_anonymous": true,
        "type": "regular", "allows_multiple_answers": false})
}

fn photo() -> Value {
    json!([{"file_id": "p1", "file_unique_id": "q1", "width": 90, "height": 90}])
}

/// A message from `user` with `content` (a sticker, a photo) instead of text.
fn media(h: &Harness, user: i64, key: &str, content: Value) -> teloxide::types::Update {
    let mut value = h.text_json(user, "");
    let message = value["message"].as_object_mut().unwrap();
    message.remove("text");
    message.insert(key.to_owned(), content);
    value["update_id"] = json!(90_000 + user);
    update(&value)
}

/// The stored texts of the user's tickets, to check nothing changed.
async fn stored(h: &Harness, user: i64) -> Vec<(i64, Vec<String>)> {
    let tickets = h
        .client
        .user_tickets(TelegramId::new(user), false)
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tickets {
        let texts = h
            .client
            .messages(t.id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect();
        out.push((t.id.get(), texts));
    }
    out.sort();
    out
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_in_the_users_language_and_changes_nothing() {
    init_tracing();
    let mut h = Harness::new().await;
    h.languages = Languages::default();
    h.set_language(EN, "en");
    let english = Texts::english();
    let ticket = h.tickets(EN, 2).await;
    let (a, b) = (ticket[0].id, ticket[1].id);
    assert_taken(&h.press(EN, &format!("sup:t:{a}:0")).await);
    let before = stored(&h, EN).await;

    // In an open ticket: a poll, a dice (a photo or a sticker would be an attachment: see
    // `media.rs`), 5,000 characters.
    for update in [
        media(&h, EN, "poll", poll()),
        media(&h, EN, "dice", json!({"emoji": "🎲", "value": 3})),
    ] {
        h.tg.clear();
        assert_taken(&h.dispatch(update).await);
        assert_eq!(
            h.tg.last("sendmessage").text(),
            english.unsupported_message.to_string()
        );
    }
    h.tg.clear();
    assert_taken(&h.type_text(EN, &"x".repeat(5000)).await);
    let refusal = h.tg.last("sendmessage");
    assert!(
        refusal.text().starts_with("Too long: 5000"),
        "{}",
        refusal.text()
    );
    assert!(refusal.text().contains("4096"), "{}", refusal.text());

    // Forged and stale buttons: an alert each, in English.
    for (data, expected) in [
        ("sup:t:abc:0", english.stale_button.to_string()),
        ("sup:zz:1", english.stale_button.to_string()),
        ("sup:ca:1", english.stale_button.to_string()),
        ("sup:t:999999:0", english.not_found.to_string()),
        ("sup:ny:12345", english.draft_expired.to_string()),
    ] {
        h.tg.clear();
        assert_taken(&h.press(EN, data).await);
        let alert = h.tg.last("answercallbackquery");
        assert_eq!(alert.body["text"], expected.as_str(), "{data}");
        assert_eq!(alert.body["show_alert"], true, "{data}");
    }

    // A poll in reply to a push, and a photo while choosing the ticket (only text is held).
    let push = h.push_listener();
    let task = tokio::spawn(async move {
        let _ = push.run().await;
    });
    assert_taken(&h.press(EN, &format!("sup:t:{a}:0")).await);
    h.backend.manager_reply(b, "Which one?").await;
    let pushed =
        h.tg.wait_for(std::time::Duration::from_secs(10), |c| {
            c.iter().any(|c| c.text().contains("Which one?"))
        })
        .await
        .into_iter()
        .find(|c| c.text().contains("Which one?"))
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(matches!(h.state(EN).await, SupportState::Choosing { .. }));
    let mut reply_with_poll = h.reply_update(EN, "", &pushed);
    if let teloxide::types::UpdateKind::Message(m) = &mut reply_with_poll.kind {
        // The same reply, as a poll: rebuilt from JSON so teloxide parses the media kind.
        let mut value = serde_json::to_value(&*m).unwrap();
        value.as_object_mut().unwrap().remove("text");
        value["poll"] = poll();
        *m = serde_json::from_value(value).unwrap();
    }
    h.tg.clear();
    assert_taken(&h.dispatch(reply_with_poll).await);
    assert_eq!(
        h.tg.last("sendmessage").text(),
        english.unsupported_message.to_string()
    );
    h.tg.clear();
    assert_taken(&h.dispatch(media(&h, EN, "photo", photo())).await);
    assert_eq!(
        h.tg.last("sendmessage").text(),
        english.not_text.to_string()
    );
    assert!(
        matches!(h.state(EN).await, SupportState::Choosing { held: None, .. }),
        "nothing held"
    );
    task.abort();

    // Nothing stored changed (the manager's reply aside).
    let mut after = stored(&h, EN).await;
    for (id, texts) in &mut after {
        if *id == b.get() {
            texts.retain(|t| t != "Which one?");
        }
    }
    assert_eq!(after, before);
}
