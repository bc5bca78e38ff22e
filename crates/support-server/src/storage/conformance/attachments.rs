//! Attachments ([`AttachmentStore`](crate::storage::AttachmentStore)): uploads claimed once by
//! their own uploader in the message's transaction, attachments read back with every message,
//! and the purge of unsent uploads.

use std::sync::Arc;

use support_protocol::{
    Attachment, AttachmentId, AttachmentKind, Degrees, Location, ManagerId, TelegramFile, Timestamp,
};

use super::{new_ticket, supp_message, user_message};
use crate::storage::{DynStorage, NewAttachmentRecord, NewTicketRecord, StorageError, Uploader};

fn attachment(kind: AttachmentKind, name: &str) -> Attachment {
    Attachment {
        file_name: Some(name.to_owned()),
        mime_type: Some("image/png".to_owned()),
        size: Some(10),
        width: Some(3),
        height: Some(2),
        stored: true,
        ..Attachment::new(AttachmentId::new(0), kind)
    }
}

fn claim(upload: &Attachment, uploader: &Uploader) -> NewAttachmentRecord {
    NewAttachmentRecord {
        upload: Some(upload.id),
        uploader: uploader.clone(),
        attachment: upload.clone(),
    }
}

const BLOB: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

/// An upload is its uploader's until a message claims it, once; a failed claim writes nothing
/// (not the message, not the other attachments); every read of the message carries its
/// attachments in order, with their ids.
pub async fn attachments_claimed_once(s: DynStorage) {
    let anna = Uploader::manager(ManagerId::new(1));
    let boris = Uploader::manager(ManagerId::new(2));
    let (t, _) = s.create_ticket(new_ticket(7, "t")).await.unwrap();
    let a = s
        .create_upload(
            anna.clone(),
            attachment(AttachmentKind::Photo, "a.png"),
            BLOB.into(),
        )
        .await
        .unwrap();
    let b = s
        .create_upload(
            anna.clone(),
            attachment(AttachmentKind::Document, "b.png"),
            BLOB.into(),
        )
        .await
        .unwrap();
    assert!(b.id > a.id, "ids increase");
    let stored = s.get_attachment(a.id).await.unwrap().unwrap();
    assert_eq!((stored.message, stored.blob.as_deref()), (None, Some(BLOB)));
    assert_eq!(stored.uploader, anna);
    assert_eq!(stored.attachment, a);
    assert!(
        s.get_attachment(AttachmentId::new(a.id.get() + 1000))
            .await
            .unwrap()
            .is_none()
    );

    // Boris cannot claim Anna's upload; nothing is written.
    let mut foreign = supp_message(t.id, "x", ManagerId::new(2));
    foreign.attachments = vec![claim(&a, &boris)];
    let err = s.create_message(foreign).await.unwrap_err();
    assert!(
        matches!(err, StorageError::UploadUnavailable(id) if id == a.id),
        "{err}"
    );
    // A message whose second claim fails keeps neither its first claim nor itself.
    let mut half = supp_message(t.id, "x", ManagerId::new(1));
    half.attachments = vec![claim(&a, &anna), claim(&b, &boris)];
    assert!(matches!(
        s.create_message(half).await.unwrap_err(),
        StorageError::UploadUnavailable(id) if id == b.id
    ));
    assert_eq!(
        s.list_messages(t.id, None, 0).await.unwrap().1,
        0,
        "nothing written"
    );
    assert!(
        s.get_attachment(a.id)
            .await
            .unwrap()
            .unwrap()
            .message
            .is_none()
    );

    // Anna sends both, with a described location after them; the list keeps the order.
    let mut renamed = a.clone();
    renamed.file_name = Some("renamed.png".into());
    let mut send = supp_message(t.id, "", ManagerId::new(1));
    send.attachments = vec![
        NewAttachmentRecord {
            attachment: renamed,
            ..claim(&a, &anna)
        },
        claim(&b, &anna),
        NewAttachmentRecord {
            upload: None,
            uploader: anna.clone(),
            attachment: Attachment {
                kind: AttachmentKind::Location,
                stored: false,
                location: Some(Location {
                    latitude: Degrees(1.5),
                    longitude: Degrees(-2.25),
                }),
                ..attachment(AttachmentKind::Location, "")
            },
        },
    ];
    let written = s.create_message_with_manager(send).await.unwrap();
    let m = written.message;
    assert_eq!(m.text, "");
    let ids: Vec<AttachmentId> = m.attachments.iter().map(|x| x.id).collect();
    assert_eq!(ids[..2], [a.id, b.id]);
    assert!(ids[2] > b.id, "a described attachment gets a new id");
    assert_eq!(m.attachments[0].file_name.as_deref(), Some("renamed.png"));
    assert_eq!(
        m.attachments[2].location.as_ref().unwrap().longitude,
        Degrees(-2.25)
    );
    let (listed, _) = s.list_messages(t.id, None, 0).await.unwrap();
    assert_eq!(listed[0].attachments, m.attachments, "read back as written");
    let replies = s
        .replies_after(support_protocol::MessageId::new(0), 10)
        .await
        .unwrap();
    assert_eq!(
        replies[0].attachments, m.attachments,
        "the bot's reads carry them too"
    );
    let viewed = s.mark_viewed(t.id, m.id).await.unwrap();
    assert_eq!(viewed.attachments, m.attachments);
    let sent = s.get_attachment(ids[2]).await.unwrap().unwrap();
    assert_eq!((sent.message, sent.blob), (Some(m.id), None));
    // Claimed once: not again.
    let mut again = supp_message(t.id, "again", ManagerId::new(1));
    again.attachments = vec![claim(&a, &anna)];
    assert!(matches!(
        s.create_message(again).await,
        Err(StorageError::UploadUnavailable(_))
    ));

    // A new ticket's first message claims too, atomically with the ticket.
    let c = s
        .create_upload(
            Uploader::bot(),
            attachment(AttachmentKind::Voice, "v.ogg"),
            BLOB.into(),
        )
        .await
        .unwrap();
    let tickets_before = s.list_tickets(&Default::default()).await.unwrap().1;
    let refused = s
        .create_ticket(NewTicketRecord {
            first_message: Some(String::new()),
            first_attachments: vec![claim(&c, &anna)],
            ..new_ticket(8, "refused")
        })
        .await;
    assert!(matches!(refused, Err(StorageError::UploadUnavailable(_))));
    assert_eq!(
        s.list_tickets(&Default::default()).await.unwrap().1,
        tickets_before,
        "no ticket"
    );
    let (t2, first) = s
        .create_ticket(NewTicketRecord {
            first_message: Some(String::new()),
            first_attachments: vec![NewAttachmentRecord {
                attachment: Attachment {
                    telegram: Some(TelegramFile {
                        file_id: "AwAC".into(),
                        file_unique_id: "u".into(),
                    }),
                    ..c.clone()
                },
                ..claim(&c, &Uploader::bot())
            }],
            ..new_ticket(8, "voice")
        })
        .await
        .unwrap();
    let first = first.unwrap();
    assert_eq!(
        first.attachments[0].telegram.as_ref().unwrap().file_id,
        "AwAC"
    );
    assert_eq!(first.ticket, t2.id);
    // A plain message still has none.
    let plain = s.create_message(user_message(t2.id, "text")).await.unwrap();
    assert!(plain.attachments.is_empty());
}

/// Unsent uploads older than the cut-off go, oldest first, in batches; sent ones and newer
/// ones stay; a blob is reported unused only when no attachment references it any more.
pub async fn unsent_uploads_purged(s: DynStorage) {
    let bot = Uploader::bot();
    let (t, _) = s.create_ticket(new_ticket(7, "t")).await.unwrap();
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    let sent = s
        .create_upload(
            bot.clone(),
            attachment(AttachmentKind::Photo, "s"),
            BLOB.into(),
        )
        .await
        .unwrap();
    let twin = s
        .create_upload(
            bot.clone(),
            attachment(AttachmentKind::Photo, "t"),
            BLOB.into(),
        )
        .await
        .unwrap();
    let lone = s
        .create_upload(
            bot.clone(),
            attachment(AttachmentKind::Photo, "l"),
            other.into(),
        )
        .await
        .unwrap();
    let mut m = user_message(t.id, "");
    m.attachments = vec![claim(&sent, &bot)];
    s.create_message(m).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let cutoff = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let fresh = s
        .create_upload(
            bot.clone(),
            attachment(AttachmentKind::Photo, "f"),
            other.into(),
        )
        .await
        .unwrap();

    let (purged, unused) = s.purge_unsent(cutoff, 1).await.unwrap();
    assert_eq!(
        (purged, unused.len()),
        (1, 0),
        "the oldest unsent (the twin): its blob is shared"
    );
    assert!(s.get_attachment(twin.id).await.unwrap().is_none());
    let (purged, unused) = s.purge_unsent(cutoff, 100).await.unwrap();
    assert_eq!(purged, 1);
    assert!(
        unused.is_empty(),
        "the fresh upload still uses the lone one's blob: {unused:?}"
    );
    assert!(s.get_attachment(lone.id).await.unwrap().is_none());
    assert!(
        s.get_attachment(sent.id).await.unwrap().is_some(),
        "sent: kept"
    );
    assert!(
        s.get_attachment(fresh.id).await.unwrap().is_some(),
        "newer: kept"
    );
    let (purged, unused) = s.purge_unsent(Timestamp::now(), 100).await.unwrap();
    assert_eq!(
        (purged, unused),
        (1, vec![other.to_owned()]),
        "now nobody uses it"
    );
    assert_eq!(s.purge_unsent(Timestamp::now(), 100).await.unwrap().0, 0);
    let _ = Arc::clone(&s);
}
