//! Attachments end to end over HTTP and the websocket: uploads (streamed, checked, bounded),
//! messages carrying them both ways, downloads with safe headers, the clean-up of unsent
//! uploads, and every bad input the issue names.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support_server::attachments::AttachmentLimits;
use support_testkit::ws::{recv_type, send};
use support_testkit::{As, TestServer, png};

pub(crate) const MIB: u64 = 1024 * 1024;
pub(crate) const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

pub(crate) fn limits(max_bytes: u64) -> AttachmentLimits {
    AttachmentLimits {
        max_bytes,
        ..AttachmentLimits::default()
    }
}

pub(crate) async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, value)
}

/// Every file under the blob directory's `sha256/` and `tmp/`.
pub(crate) fn stored_files(s: &TestServer) -> (usize, usize) {
    let dir = s.blob_dir().unwrap();
    let count = |d: std::path::PathBuf| walk(&d);
    (count(dir.join("sha256")), count(dir.join("tmp")))
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

#[tokio::test]
async fn a_managers_picture_reaches_the_chat_and_downloads_safely() {
    let s = TestServer::with_files(AttachmentLimits::default()).await;
    let (anna_id, anna) = s.manager("anna").await;
    let t = s.ticket_with_message(501, "Broken", "see below").await;
    let mut ws = s.manager_ws(&anna).await;
    send(&mut ws, json!({"type": "ticket.assign", "id": t})).await;
    recv_type(&mut ws, "ticket.assigned").await;

    let picture = png(3, 2, [200, 10, 10]);
    let (status, upload) = json_of(
        s.upload(
            As::Manager(&anna),
            "..\\..\\shot\u{202e}.png",
            "image/png",
            picture.clone(),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    assert_eq!(upload["kind"], "photo");
    assert_eq!(upload["mime_type"], "image/png");
    assert_eq!(
        upload["file_name"], "shot.png",
        "no directories, no disguising characters"
    );
    assert_eq!(upload["size"], json!(picture.len()));
    assert_eq!(
        (upload["width"].clone(), upload["height"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(upload["stored"], true);
    let upload_id = upload["id"].as_i64().unwrap();

    // Sent without a caption: the text is empty, the event carries the picture.
    send(
        &mut ws,
        json!({"type": "ticket.message.new", "ticket_id": t, "text": "",
               "attachments": [{"upload": upload_id}]}),
    )
    .await;
    let event = recv_type(&mut ws, "ticket.message.new").await;
    let message = &event["message"];
    assert_eq!(message["text"], "");
    assert_eq!(message["sender"], "supp");
    assert_eq!(message["attachments"][0]["id"], json!(upload_id));
    assert_eq!(message["attachments"][0]["kind"], "photo");
    assert_eq!(message["delivery"]["state"], "pending");
    // The REST list has it too, and a text message keeps the original's shape (no key).
    let list = s.messages(t).await;
    assert_eq!(list[0]["attachments"], message["attachments"]);
    assert!(list[1].get("attachments").is_none(), "{}", list[1]);
    let _ = anna_id;

    // The same upload cannot be sent twice.
    send(
        &mut ws,
        json!({"type": "ticket.message.new", "ticket_id": t, "text": "again",
               "attachments": [{"upload": upload_id}]}),
    )
    .await;
    let error = recv_type(&mut ws, "error").await;
    assert_eq!(error["code"], "invalid_field", "{error}");
    assert!(
        error["detail"].as_str().unwrap().contains("not available"),
        "{error}"
    );
    assert_eq!(
        s.messages(t).await.as_array().unwrap().len(),
        2,
        "nothing written"
    );

    // The bot downloads it to send it: the bytes, as a picture shown inline, safely.
    let path = format!("/support/attachments/{upload_id}/");
    let r = s
        .authorized(As::Bot, reqwest::Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"shot.png\"")
    );
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(r.bytes().await.unwrap().as_ref(), picture.as_slice());
    let r = s
        .authorized(As::Manager(&anna), reqwest::Method::GET, &path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

#[tokio::test]
async fn the_bot_records_user_media_an_album_and_kinds_it_does_not_know() {
    let s = TestServer::with_files(AttachmentLimits::default()).await;
    // An album copied by the bot: three uploads, each with Telegram's ids and kind.
    let mut album = Vec::new();
    for i in 0..3u8 {
        let (status, up) = json_of(
            s.upload(
                As::Bot,
                "photo.jpg",
                "image/png",
                png(4, 4, [i * 60, 0, 0]),
                Some("photo"),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        album.push(json!({"upload": up["id"], "kind": "photo",
            "telegram": {"file_id": format!("AgAC-{i}"), "file_unique_id": format!("u{i}")},
            "width": 1280, "height": 960}));
    }
    let r = s
        .bot(reqwest::Method::POST, "/support/tickets/")
        .json(
            &json!({"user_id": 777, "title": "Album", "text": "three shots", "attachments": album}),
        )
        .send()
        .await
        .unwrap();
    let (status, ticket) = json_of(r).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let t = ticket["id"].as_i64().unwrap();
    let first = &s.messages(t).await[0];
    assert_eq!(first["text"], "three shots");
    let shots = first["attachments"].as_array().unwrap();
    assert_eq!(shots.len(), 3, "one message, three pictures");
    assert_eq!(shots[2]["telegram"]["file_id"], "AgAC-2");
    assert_eq!(
        shots[0]["width"], 1280,
        "Telegram's size for the picture it sent"
    );
    assert!(shots.iter().all(|a| a["stored"] == true));

    // Media only on Telegram (copying off), a location, a contact, and a kind from a newer
    // Telegram: recorded as they are, the unknown kind kept for a placeholder.
    let r = s
        .bot(reqwest::Method::POST, &format!("/support/tickets/{t}/messages/"))
        .json(&json!({"attachments": [
            {"kind": "voice", "telegram": {"file_id": "AwAC-voice"}, "duration": 7, "mime_type": "audio/ogg"},
            {"kind": "location", "location": {"latitude": 55.75, "longitude": 37.62}},
            {"kind": "contact", "contact": {"phone_number": "+7 900 000\u{0}", "first_name": "Ann"}},
            {"kind": "paid_media", "telegram": {"file_id": "X-new"}},
        ]}))
        .send()
        .await
        .unwrap();
    let (status, message) = json_of(r).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    assert_eq!(message["text"], "");
    let kinds: Vec<&str> = message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["voice", "location", "contact", "paid_media"]);
    assert_eq!(
        message["attachments"][2]["contact"]["phone_number"],
        "+7 900 000"
    );
    assert_eq!(message["attachments"][0]["stored"], false);
    // A file only Telegram holds: a clear 404, not a broken download.
    let voice = message["attachments"][0]["id"].as_i64().unwrap();
    let (status, body) = json_of(s.download(As::Bot, voice).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("only on Telegram"),
        "{body}"
    );
}

#[tokio::test]
async fn a_server_without_a_blob_store_says_so() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (status, body) = json_of(
        s.upload(
            As::Manager(&anna),
            "a.pdf",
            "application/pdf",
            PDF.to_vec(),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("without a blob store"),
        "{body}"
    );
}

#[tokio::test]
async fn unsent_uploads_are_purged_and_shared_bytes_stay() {
    let s = TestServer::with_files(AttachmentLimits {
        unsent_ttl: Duration::ZERO,
        ..AttachmentLimits::default()
    })
    .await;
    let t = s.ticket_with_message(5, "T", "hi").await;
    // The same bytes twice: one sent, one left unsent; and other bytes left unsent.
    let (_, sent) = json_of(
        s.upload(As::Bot, "a.pdf", "application/pdf", PDF.to_vec(), None)
            .await,
    )
    .await;
    let r = s
        .bot(
            reqwest::Method::POST,
            &format!("/support/tickets/{t}/messages/"),
        )
        .json(&json!({"attachments": [{"upload": sent["id"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, twin) = json_of(
        s.upload(As::Bot, "b.pdf", "application/pdf", PDF.to_vec(), None)
            .await,
    )
    .await;
    let (_, lone) = json_of(
        s.upload(As::Bot, "c.png", "image/png", png(2, 2, [0, 0, 0]), None)
            .await,
    )
    .await;
    assert_eq!(stored_files(&s).0, 2, "the same bytes are stored once");
    let purge = s.support.spawn_upload_purge(Duration::from_millis(20));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while stored_files(&s).0 != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the lone upload's blob was not purged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let get = |id: &Value| s.download(As::Bot, id.clone());
    assert_eq!(get(&sent["id"]).await.status(), 200, "the sent file stays");
    assert_eq!(
        get(&twin["id"]).await.status(),
        404,
        "the unsent twin is gone"
    );
    assert_eq!(get(&lone["id"]).await.status(), 404);
    s.support.begin_shutdown();
    purge.await.unwrap();
}

/// A server given the bot's token serves a file only Telegram holds by fetching it through
/// `getFile`, never caching it; a file Telegram refuses is a clear 502, and without the token a
/// clear 404.
#[tokio::test]
async fn files_only_on_telegram_are_fetched_through_get_file() {
    let tg = support_testkit::FakeTelegram::start().await;
    let voice_bytes = b"OggS fake voice note bytes".to_vec();
    let voice = tg.add_file(voice_bytes.clone());
    let too_big = tg.add_file_too_big(30 * 1024 * 1024);
    let support = support_server::SupportServer::builder()
        .bot_token(support_testkit::BOT_TOKEN)
        .telegram_files("123:TEST", format!("http://{}", tg.addr))
        .build();
    let s = TestServer::start(support).await;
    let t = s.ticket_with_message(31, "T", "hi").await;
    let r = s
        .bot(reqwest::Method::POST, &format!("/support/tickets/{t}/messages/"))
        .json(&json!({"attachments": [
            {"kind": "voice", "mime_type": "audio/ogg", "telegram": {"file_id": voice.file_id, "file_unique_id": voice.file_unique_id}},
            {"kind": "video", "telegram": {"file_id": too_big.file_id}},
        ]}))
        .send()
        .await
        .unwrap();
    let (status, message) = json_of(r).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    let (_, anna) = s.manager("anna").await;
    let get = |id: &Value| s.download(As::Manager(&anna), id.clone());
    let r = get(&message["attachments"][0]["id"]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/ogg");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; ")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), voice_bytes.as_slice());
    let (status, body) = json_of(get(&message["attachments"][1]["id"]).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("over 20 MB"),
        "{body}"
    );
    // The token never shows in what the server logs or answers.
    assert!(!body.to_string().contains("123:TEST"));
}
