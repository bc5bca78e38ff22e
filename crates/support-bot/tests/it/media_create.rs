//! Tickets started with a file, drafts whose copies are gone, and a measurement of a large
//! copy (issue 16, user → support); the helpers are `media.rs`'s.

use support_bot::SupportState;
use support_bot::protocol::{AttachmentKind, TelegramId};
use support_server::attachments::AttachmentLimits;
use support_testkit::{UserMessage, png};

use crate::harness::*;
use crate::media::{file_id, in_open_ticket, messages, sent, stored_bytes};

#[tokio::test]
async fn a_ticket_can_start_with_a_photo() {
    init_tracing();
    let backend = TestServer::with_files(AttachmentLimits::default()).await;
    let client = client_for(backend.addr);
    let h = Harness::with_client(backend, client).await;
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Broken screen").await);
    let bytes = png(20, 10, [0, 0, 255]);
    let photo = h.tg.add_file(bytes.clone());
    assert_taken(
        &h.dispatch(sent(&h, UserMessage::photo(USER, &photo, 20, 10)))
            .await,
    );

    let confirm = h.tg.last("sendmessage");
    assert!(confirm.text().contains("📎"), "{}", confirm.text());
    let SupportState::CreateConfirm { attachments, .. } = h.state(USER).await else {
        panic!("not at the confirmation");
    };
    assert!(attachments[0].upload.is_some(), "copied at step 2");
    assert_taken(&h.press(USER, &confirm.callback_data()[0]).await);

    let tickets = h
        .client
        .user_tickets(TelegramId::new(USER), false)
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].title, "Broken screen");
    let first = messages(&h, tickets[0].id, 1).await.remove(0);
    assert_eq!(first.text, "");
    assert_eq!(first.attachments[0].kind, AttachmentKind::Photo);
    assert!(first.attachments[0].stored);
    assert_eq!(stored_bytes(&h, first.attachments[0].id).await, bytes);
}

/// A draft confirmed after the server dropped its unclaimed upload (a day later): the ticket is
/// still created, the file named by its `file_id`.
#[tokio::test]
async fn a_draft_whose_upload_is_gone_is_sent_by_file_id() {
    use support_bot::protocol::{AttachmentId, NewAttachment, TelegramFile};
    init_tracing();
    let backend = TestServer::with_files(AttachmentLimits::default()).await;
    let client = client_for(backend.addr);
    let h = Harness::with_client(backend, client).await;
    let attachment = NewAttachment {
        upload: Some(AttachmentId::new(987_654)),
        kind: Some(AttachmentKind::Photo),
        telegram: Some(TelegramFile {
            file_id: "AgAC-gone".into(),
            file_unique_id: "AQAD-gone".into(),
        }),
        ..NewAttachment::default()
    };
    let draft = SupportState::CreateConfirm {
        title: "Old draft".into(),
        text: "from yesterday".into(),
        draft: 77,
        attachments: vec![attachment],
    };
    h.storage
        .clone()
        .update_dialogue(teloxide::types::ChatId(USER), draft)
        .await
        .unwrap();
    assert_taken(&h.press(USER, "sup:ny:77").await);
    let tickets = h
        .client
        .user_tickets(TelegramId::new(USER), false)
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "{:?}", h.tg.calls());
    let first = messages(&h, tickets[0].id, 1).await.remove(0);
    assert_eq!(first.text, "from yesterday");
    assert_eq!(file_id(&first, 0), "AgAC-gone");
    assert!(!first.attachments[0].stored);
}

/// The peak resident memory of this process so far, in MiB (Linux).
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A measurement, not a check (`cargo test -p support-bot --test it -- --ignored measure
/// --nocapture`, alone: the peak is the process's): a 19 MiB document copied from the fake
/// Telegram into the server on loopback. What it showed is written in `media/copy.rs`.
#[tokio::test]
#[ignore = "a measurement"]
async fn measure_copying_a_large_file() {
    let (h, id) = in_open_ticket().await;
    let bytes: Vec<u8> = (0..19 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let file = h.tg.add_file(bytes.clone());
    let message = UserMessage::document(USER, &file, "big.bin", "application/octet-stream");
    let update = sent(&h, message);
    let before = peak_mib();
    let started = std::time::Instant::now();
    assert_taken(&h.dispatch(update).await);
    let took = started.elapsed();
    let after = peak_mib();
    let last = messages(&h, id, 2).await.pop().unwrap();
    assert!(last.attachments[0].stored);
    println!("19 MiB copied in {took:?}; peak RSS {before:?} MiB before, {after:?} MiB after");
    assert_eq!(stored_bytes(&h, last.attachments[0].id).await, bytes);
}
