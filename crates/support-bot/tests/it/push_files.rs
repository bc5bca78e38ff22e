//! A manager's files reach the user (issue 16): a picture with a short reply as its caption;
//! several files after the reply's text, pictures as one album; uploaded once, then sent again
//! by the `file_id` Telegram gave (the server keeps it), also after a failure partway.

use std::time::Duration;

use serde_json::{Value, json};
use support_bot::protocol::{DeliveryState, Message, TelegramId, Ticket};
use support_server::attachments::AttachmentLimits;
use support_testkit::{As, png};

use crate::harness::*;

const WAIT: Duration = Duration::from_secs(15);
const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n%%EOF\n";

struct Setup {
    h: Harness,
    ticket: Ticket,
    manager: String,
}

async fn setup() -> Setup {
    init_tracing();
    let backend = TestServer::with_files(AttachmentLimits::default()).await;
    let client = client_for(backend.addr);
    let h = Harness::with_client(backend, client).await;
    let ticket = h
        .client
        .create_ticket(TelegramId::new(USER), "Printer", "it jams")
        .await
        .unwrap();
    let (_, manager) = h.backend.manager("anna").await;
    Setup { h, ticket, manager }
}

impl Setup {
    async fn upload(&self, name: &str, mime: &str, bytes: Vec<u8>) -> i64 {
        let r = self
            .h
            .backend
            .upload(As::Manager(&self.manager), name, mime, bytes, None)
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A manager's reply with these uploads, over REST.
    async fn reply(&self, text: &str, uploads: &[i64]) -> Message {
        let attachments: Vec<Value> = uploads.iter().map(|id| json!({"upload": id})).collect();
        let r = self
            .h
            .backend
            .authorized(
                As::Manager(&self.manager),
                reqwest::Method::POST,
                &format!("/support/tickets/{}/messages/", self.ticket.id),
            )
            .json(&json!({"text": text, "attachments": attachments}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    }
}

#[tokio::test]
async fn a_picture_goes_with_the_reply_as_its_caption_and_telegrams_id_is_kept() {
    let s = setup().await;
    let picture = png(20, 10, [9, 99, 199]);
    let id = s.upload("shot.png", "image/png", picture.clone()).await;
    let task = tokio::spawn(s.h.push_listener().run());
    let reply = s.reply("Like <this>?", &[id]).await;

    let calls =
        s.h.tg
            .wait_for(WAIT, |c| c.iter().any(|c| c.method == "sendphoto"))
            .await;
    let photo = calls.iter().find(|c| c.method == "sendphoto").unwrap();
    assert_eq!(photo.chat_id(), USER);
    assert!(
        photo.caption().contains("Like &lt;this&gt;?"),
        "{}",
        photo.caption()
    );
    assert_eq!(photo.body["parse_mode"], "HTML");
    assert_eq!(photo.callback_data(), [format!("sup:t:{}:0", s.ticket.id)]);
    assert_eq!(photo.uploads.len(), 1, "uploaded once");
    assert_eq!(
        photo.uploads[0].bytes, picture,
        "the bytes the manager uploaded"
    );
    assert_eq!(photo.uploads[0].file_name, "shot.png");
    assert!(
        !calls.iter().any(|c| c.method == "sendmessage"),
        "the caption carries the reply: no separate text"
    );
    let stored = crate::push::delivered(&s.h, &reply, DeliveryState::Sent).await;
    let telegram = stored.attachments[0]
        .telegram
        .clone()
        .expect("Telegram's id recorded");
    assert!(telegram.file_id.starts_with("fake-photo-"), "{telegram:?}");
    task.abort();
}

#[tokio::test]
async fn several_files_follow_the_text_pictures_as_one_album_and_a_retry_reuses_their_ids() {
    let s = setup().await;
    let a = s.upload("a.png", "image/png", png(8, 8, [255, 0, 0])).await;
    let b = s.upload("b.png", "image/png", png(8, 8, [0, 255, 0])).await;
    let doc = s
        .upload("invoice.pdf", "application/pdf", PDF.to_vec())
        .await;
    // The document fails once (a Telegram 5xx): the reply is retried whole.
    s.h.tg.inject("senddocument", Inject::ServerError(502));
    let task = tokio::spawn(s.h.push_listener().run());
    let reply = s
        .reply(&"Long explanation. ".repeat(80), &[a, b, doc])
        .await;

    let calls =
        s.h.tg
            .wait_for(WAIT, |c| {
                c.iter().any(|c| c.method == "senddocument" && !c.failed)
            })
            .await;
    let sends: Vec<&Call> = calls
        .iter()
        .filter(|c| c.method.starts_with("send"))
        .collect();
    let methods: Vec<&str> = sends.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "sendmessage",
            "sendmediagroup",
            "senddocument", // the first attempt, cut
            "sendmessage",
            "sendmediagroup",
            "senddocument", // the retry
        ],
        "text first (with the button), then the album, then the document"
    );
    assert_eq!(
        sends[0].callback_data(),
        [format!("sup:t:{}:0", s.ticket.id)]
    );
    assert_eq!(sends[1].uploads.len(), 2, "the album uploads both pictures");
    assert_eq!(sends[2].uploads.len(), 1);
    assert!(sends[2].failed);
    assert!(
        sends[4].uploads.is_empty(),
        "the retry sends the pictures by file_id: {:?}",
        sends[4].body
    );
    let media = sends[4].body["media"].as_array().unwrap();
    assert!(
        media[0]["media"]
            .as_str()
            .unwrap()
            .starts_with("fake-photo-"),
        "{media:?}"
    );
    assert_eq!(
        sends[5].uploads.len(),
        1,
        "the document Telegram refused is uploaded again"
    );
    let stored = crate::push::delivered(&s.h, &reply, DeliveryState::Sent).await;
    assert!(
        stored.attachments.iter().all(|a| a.telegram.is_some()),
        "{stored:?}"
    );
    task.abort();
}
