//! Files, locations and contacts from users (issue 16, user → support), end to end: the real
//! handler, the real server with a blob store, and the fake Telegram serving the files.

use std::time::Duration;

use serde_json::Value;
use support_bot::protocol::{AttachmentKind, Degrees, Message, TelegramId, TicketId};
use support_bot::{Languages, SupportState, Texts};
use support_server::attachments::AttachmentLimits;
use support_testkit::{FakeFile, UserMessage, png};

use crate::harness::*;

const WAIT: Duration = Duration::from_secs(10);

/// A harness whose server keeps files, with `USER`'s open ticket shown (so what they send goes
/// there); the ticket's id.
pub(crate) async fn in_open_ticket() -> (Harness, TicketId) {
    init_tracing();
    let backend = TestServer::with_files(AttachmentLimits::default()).await;
    let client = client_for(backend.addr);
    let h = Harness::with_client(backend, client).await;
    let id = h.tickets(USER, 1).await.remove(0).id;
    assert_taken(&h.press(USER, &format!("sup:t:{id}:0")).await);
    h.tg.clear();
    (h, id)
}

/// What the user sends, as an update from them (their language, a fresh update id).
pub(crate) fn sent(h: &Harness, message: UserMessage) -> teloxide::types::Update {
    let mut value = message.with("from", h.from(USER)).json();
    value["update_id"] = serde_json::json!(h.next_update_id());
    update(&value)
}

/// The ticket's messages, oldest first, once there are `n`.
pub(crate) async fn messages(h: &Harness, id: TicketId, n: usize) -> Vec<Message> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut messages = h.client.messages(id).await.unwrap();
        if messages.len() >= n {
            messages.reverse();
            return messages;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} messages",
            messages.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The bytes the server keeps for attachment `id`, fetched as the bot.
pub(crate) async fn stored_bytes(h: &Harness, id: support_bot::protocol::AttachmentId) -> Vec<u8> {
    let response = h
        .backend
        .bot(reqwest::Method::GET, &format!("/support/attachments/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

pub(crate) fn file_id(m: &Message, i: usize) -> &str {
    &m.attachments[i].telegram.as_ref().unwrap().file_id
}

#[tokio::test]
async fn a_photo_with_a_caption_is_stored_with_its_bytes() {
    let (h, id) = in_open_ticket().await;
    let bytes = png(64, 48, [200, 10, 10]);
    let photo = h.tg.add_file(bytes.clone());
    let update = sent(
        &h,
        UserMessage::photo(USER, &photo, 64, 48).caption("my screen"),
    );
    assert_taken(&h.dispatch(update).await);

    let last = messages(&h, id, 2).await.pop().unwrap();
    assert_eq!(last.text, "my screen");
    assert_eq!(last.attachments.len(), 1);
    let a = &last.attachments[0];
    assert_eq!(a.kind, AttachmentKind::Photo);
    assert!(a.stored, "{a:?}");
    assert_eq!(file_id(&last, 0), photo.file_id);
    assert_eq!((a.width, a.height), (Some(64), Some(48)));
    assert_eq!(stored_bytes(&h, a.id).await, bytes);
    // The largest size was downloaded, not the thumbnail.
    assert_eq!(h.tg.ok_calls("getfile")[0].body["file_id"], photo.file_id);
    assert_eq!(h.tg.downloads().len(), 1);
    // The ticket is shown again, the message counted.
    let screen = h.tg.last("sendmessage");
    assert!(screen.text().contains("my screen"), "{}", screen.text());
}

#[tokio::test]
async fn an_album_is_one_message_and_text_after_it_comes_after_it() {
    let (h, id) = in_open_ticket().await;
    let files: Vec<(FakeFile, Vec<u8>)> = (0..3u8)
        .map(|i| {
            let bytes = png(8 + u32::from(i), 8, [i, i, i]);
            (h.tg.add_file(bytes.clone()), bytes)
        })
        .collect();
    for (i, (file, _)) in files.iter().enumerate() {
        let mut part = UserMessage::photo(USER, file, 8 + i as u32, 8)
            .media_group("album-1")
            .message_id(10 + i as i64);
        if i == 1 {
            part = part.caption("three shots");
        }
        assert_taken(&h.dispatch(sent(&h, part)).await);
    }
    // Typed right after the album: handled once the album is sent, so stored after it.
    assert_taken(&h.type_text(USER, "and a note").await);

    let all = messages(&h, id, 3).await;
    assert_eq!(all.len(), 3, "one message for the album, one for the text");
    let album = &all[1];
    assert_eq!(album.text, "three shots");
    assert_eq!(album.attachments.len(), 3);
    for (i, (file, bytes)) in files.iter().enumerate() {
        assert_eq!(file_id(album, i), file.file_id, "in the album's order");
        assert!(album.attachments[i].stored);
        assert_eq!(&stored_bytes(&h, album.attachments[i].id).await, bytes);
    }
    assert_eq!(all[2].text, "and a note");
}

#[tokio::test]
async fn a_voice_note_without_caption_has_empty_text() {
    let (h, id) = in_open_ticket().await;
    let voice = h.tg.add_file(b"OggS voice bytes".to_vec());
    assert_taken(
        &h.dispatch(sent(&h, UserMessage::voice(USER, &voice, 3)))
            .await,
    );
    let last = messages(&h, id, 2).await.pop().unwrap();
    assert_eq!(last.text, "");
    let a = &last.attachments[0];
    assert_eq!(a.kind, AttachmentKind::Voice);
    assert_eq!(a.duration, Some(3));
    assert!(a.stored);
    assert_eq!(stored_bytes(&h, a.id).await, b"OggS voice bytes");
}

#[tokio::test]
async fn locations_and_contacts_are_described() {
    let (h, id) = in_open_ticket().await;
    assert_taken(
        &h.dispatch(sent(&h, UserMessage::location(USER, 55.75, 37.62)))
            .await,
    );
    assert_taken(
        &h.dispatch(sent(&h, UserMessage::contact(USER, "+15550100", "Ann")))
            .await,
    );
    let all = messages(&h, id, 3).await;
    let location = &all[1].attachments[0];
    assert_eq!(location.kind, AttachmentKind::Location);
    assert_eq!(location.location.as_ref().unwrap().latitude, Degrees(55.75));
    assert!(!location.stored);
    let contact = &all[2].attachments[0];
    assert_eq!(contact.kind, AttachmentKind::Contact);
    assert_eq!(contact.contact.as_ref().unwrap().phone_number, "+15550100");
    // Nothing to download.
    assert!(h.tg.ok_calls("getfile").is_empty());
}

#[tokio::test]
async fn a_file_telegram_will_not_hand_out_or_a_cut_download_keeps_its_file_id() {
    let (h, id) = in_open_ticket().await;
    // The message says 1 KB, `getFile` says too big.
    let big = h.tg.add_file_too_big(1000);
    let document = UserMessage::document(USER, &big, "dump.bin", "application/octet-stream");
    assert_taken(&h.dispatch(sent(&h, document)).await);
    // Over the limit in the message itself: `getFile` is not even asked.
    let huge = h.tg.add_file_too_big(25 * 1024 * 1024);
    let document = UserMessage::document(USER, &huge, "video.mp4", "video/mp4");
    assert_taken(&h.dispatch(sent(&h, document)).await);
    let cut = h.tg.add_file_cut(png(100, 100, [1, 2, 3]));
    let photo = UserMessage::photo(USER, &cut, 100, 100).caption("half");
    assert_taken(&h.dispatch(sent(&h, photo)).await);

    let all = messages(&h, id, 4).await;
    for (message, file) in all[1..].iter().zip([&big, &huge, &cut]) {
        assert_eq!(file_id(message, 0), file.file_id);
        assert!(!message.attachments[0].stored, "{message:?}");
    }
    assert_eq!(all[3].text, "half");
    assert_eq!(all[2].attachments[0].size, Some(25 * 1024 * 1024));
    let asked: Vec<Value> =
        h.tg.calls()
            .iter()
            .filter(|c| c.method == "getfile")
            .map(|c| c.body["file_id"].clone())
            .collect();
    assert_eq!(asked, [big.file_id.as_str(), cut.file_id.as_str()]);
    assert_eq!(h.tg.downloads().len(), 1, "only the cut one was downloaded");
}

#[tokio::test]
async fn with_copying_off_only_the_file_id_is_kept() {
    let (mut h, id) = in_open_ticket().await;
    h.options = h.options.clone().copy_files(false);
    let document = h.tg.add_file(b"%PDF-1.4 tiny".to_vec());
    let message = UserMessage::document(USER, &document, "a.pdf", "application/pdf");
    assert_taken(&h.dispatch(sent(&h, message)).await);
    let last = messages(&h, id, 2).await.pop().unwrap();
    let a = &last.attachments[0];
    assert_eq!(a.kind, AttachmentKind::Document);
    assert_eq!(a.file_name.as_deref(), Some("a.pdf"));
    assert_eq!(a.mime_type.as_deref(), Some("application/pdf"));
    assert!(!a.stored);
    assert_eq!(file_id(&last, 0), document.file_id);
    assert!(h.tg.ok_calls("getfile").is_empty());
    assert!(h.tg.downloads().is_empty());
}

#[tokio::test]
async fn an_unsupported_kind_is_refused_in_the_users_language() {
    let (mut h, id) = in_open_ticket().await;
    h.languages = Languages::default();
    h.set_language(USER, "en");
    for message in [UserMessage::poll(USER), UserMessage::dice(USER)] {
        h.tg.clear();
        assert_taken(&h.dispatch(sent(&h, message)).await);
        assert_eq!(
            h.tg.last("sendmessage").text(),
            Texts::english().unsupported_message.to_string()
        );
    }
    // At step 2 of creating a ticket too, with the step's back button.
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Title").await);
    h.tg.clear();
    assert_taken(&h.dispatch(sent(&h, UserMessage::dice(USER))).await);
    let refusal = h.tg.last("sendmessage");
    assert_eq!(
        refusal.text(),
        Texts::english().unsupported_message.to_string()
    );
    assert_eq!(refusal.callback_data(), ["sup:n"]);
    assert!(matches!(
        h.state(USER).await,
        SupportState::CreateText { .. }
    ));
    // Nothing stored.
    assert_eq!(messages(&h, id, 1).await.len(), 1);
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
async fn a_photo_in_reply_to_a_ticket_message_goes_to_that_ticket() {
    let (h, a) = in_open_ticket().await;
    let b = h.tickets(USER, 1).await.remove(0).id;
    // A message about ticket `a` (its screen, after a text), then ticket `b` is shown.
    assert_taken(&h.type_text(USER, "first").await);
    let screen_of_a = h.tg.last("sendmessage");
    assert_taken(&h.press(USER, &format!("sup:t:{b}:0")).await);

    let photo = h.tg.add_file(png(4, 4, [9, 9, 9]));
    let replied = serde_json::json!({
        "message_id": screen_of_a.message_id(),
        "date": 1_700_000_000,
        "chat": {"id": USER, "type": "private", "first_name": "User"},
        "from": {"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot"},
        "text": screen_of_a.text(),
        "reply_markup": screen_of_a.body["reply_markup"],
    });
    let reply = UserMessage::photo(USER, &photo, 4, 4)
        .caption("see")
        .with("reply_to_message", replied);
    assert_taken(&h.dispatch(sent(&h, reply)).await);

    let last = messages(&h, a, 3).await.pop().unwrap();
    assert_eq!(last.text, "see");
    assert!(last.attachments[0].stored);
    assert_eq!(
        messages(&h, b, 1).await.len(),
        1,
        "nothing in the other ticket"
    );
    assert_eq!(h.state(USER).await, SupportState::ticket(a, false));
}
