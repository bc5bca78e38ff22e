//! Attachments refused, with a clear error and nothing kept: bad uploads (empty, too large,
//! a false picture, not multipart, malformed, cut halfway, without credentials) and messages
//! naming attachments they may not (another's upload, a missing one, too many, a manager naming
//! a Telegram file).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support_server::attachments::AttachmentLimits;
use support_testkit::{As, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::attachments::{MIB, PDF, json_of, limits, stored_files};

#[tokio::test]
async fn uploads_refuse_bad_files_with_clear_errors_and_keep_nothing() {
    let s = TestServer::with_files(limits(MIB)).await;
    let (_, anna) = s.manager("anna").await;
    let me = As::Manager(&anna);
    let cases: Vec<(&str, reqwest::Response, StatusCode, &str)> = vec![
        (
            "empty file",
            s.upload(me, "empty.txt", "text/plain", Vec::new(), None)
                .await,
            StatusCode::BAD_REQUEST,
            "The submitted file is empty.",
        ),
        (
            "over the limit",
            s.upload(
                me,
                "big.bin",
                "application/octet-stream",
                vec![7; 2 * MIB as usize],
                None,
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The file is larger than the limit of 1 MiB.",
        ),
        (
            "a PDF declared as a PNG",
            s.upload(me, "x.png", "image/png", PDF.to_vec(), None).await,
            StatusCode::BAD_REQUEST,
            "The file is declared as image/png, but its content is application/pdf.",
        ),
        (
            "a PDF sent as a photo",
            s.upload(me, "x.pdf", "application/pdf", PDF.to_vec(), Some("photo"))
                .await,
            StatusCode::BAD_REQUEST,
            "A photo must be a PNG, JPEG, GIF or WebP picture",
        ),
        (
            "a kind without a file",
            s.upload(
                me,
                "x.pdf",
                "application/pdf",
                PDF.to_vec(),
                Some("location"),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "\\\"location\\\" is not a valid choice.",
        ),
        (
            "a control character in the file's name",
            s.upload(me, "a\u{7}b.pdf", "application/pdf", PDF.to_vec(), None)
                .await,
            StatusCode::BAD_REQUEST,
            "The upload could not be read",
        ),
        (
            "not multipart",
            s.authorized(me, reqwest::Method::POST, "/support/attachments/")
                .json(&json!({"file": "x"}))
                .send()
                .await
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type \\\"application/json\\\" in request.",
        ),
        (
            "no file part",
            s.upload_form(me, reqwest::multipart::Form::new().text("kind", "document"))
                .await,
            StatusCode::BAD_REQUEST,
            "No file was submitted.",
        ),
        (
            "two files",
            s.upload_form(
                me,
                reqwest::multipart::Form::new()
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("a.pdf"),
                    )
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("b.pdf"),
                    ),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "Send one file per upload.",
        ),
        (
            "an unknown part",
            s.upload_form(
                me,
                reqwest::multipart::Form::new().text("path", "/etc/passwd"),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "Unexpected form field \\\"path\\\"",
        ),
    ];
    for (what, response, status, needle) in cases {
        let got = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(got, status, "{what}: {body}");
        assert!(body.contains(needle), "{what}: {body}");
        assert!(
            serde_json::from_str::<Value>(&body).is_ok(),
            "{what}: JSON error body"
        );
    }
    // Without credentials: refused before anything is read.
    let r = s
        .upload(
            As::Anonymous,
            "a.pdf",
            "application/pdf",
            PDF.to_vec(),
            None,
        )
        .await;
    assert!(matches!(r.status().as_u16(), 401 | 403), "{}", r.status());
    // Only the first of two files was stored, recorded as an upload nobody can send (the purge
    // deletes it); every other refusal left no byte behind.
    assert_eq!(
        stored_files(&s),
        (1, 0),
        "no refused file left a byte behind"
    );

    // A body streamed without a length that passes the limit: stopped, nothing kept.
    let chunks = (0..3).map(|_| Ok::<_, std::io::Error>(vec![1u8; MIB as usize / 2]));
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
        futures_util::stream::iter(chunks),
    ))
    .file_name("stream.bin");
    let r = s
        .upload_form(me, reqwest::multipart::Form::new().part("file", part))
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(stored_files(&s), (1, 0));

    // A download that fails halfway: the client goes away mid-file. Nothing is kept, and the
    // server goes on serving.
    cut_upload(&s, &anna).await;
    let r = s
        .upload(me, "fine.pdf", "application/pdf", PDF.to_vec(), None)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        stored_files(&s),
        (1, 0),
        "the same PDF again, and no half of the cut one"
    );
}

/// Sends half of a declared body by hand and closes the connection.
async fn cut_upload(s: &TestServer, session: &str) {
    let boundary = "XyZ";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let declared = head.len() + 200_000;
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let request = format!(
        "POST /support/attachments/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {session}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n{head}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&vec![9u8; 100_000]).await.unwrap();
    stream.shutdown().await.unwrap();
    // Wait for the server to give up on the body (it answers, or just closes).
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink)).await;
}

#[tokio::test]
async fn uploads_belong_to_their_uploader_and_messages_check_their_attachments() {
    let s = TestServer::with_files(AttachmentLimits::default()).await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let t = s.ticket_with_message(9, "T", "hi").await;
    let (_, up) = json_of(
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
    let id = up["id"].as_i64().unwrap();
    assert_eq!(up["kind"], "document");
    // Boris can neither see nor send Anna's unsent upload.
    let r = s.download(As::Manager(&boris), id).await;
    assert_eq!(r.status(), 404);
    let post = |session: &str, body: Value| {
        s.authorized(
            As::Manager(session),
            reqwest::Method::POST,
            &format!("/support/tickets/{t}/messages/"),
        )
        .json(&body)
        .send()
    };
    let bad: Vec<(&str, Value, &str)> = vec![
        (
            "another's upload",
            json!({"text": "x", "attachments": [{"upload": id}]}),
            "not available",
        ),
        (
            "a missing upload",
            json!({"text": "x", "attachments": [{"upload": 999_999}]}),
            "not available",
        ),
        (
            "a manager naming a Telegram file",
            json!({"text": "x", "attachments": [{"kind": "photo", "telegram": {"file_id": "A"}}]}),
            "upload the file first",
        ),
        (
            "eleven",
            json!({"text": "x", "attachments": vec![json!({"upload": id}); 11]}),
            "no more than 10",
        ),
        (
            "not a list",
            json!({"text": "x", "attachments": {"upload": id}}),
            "Expected a list",
        ),
        (
            "a bad element",
            json!({"text": "x", "attachments": [{"upload": "abc"}]}),
            "Attachment 1",
        ),
    ];
    for (what, body, needle) in bad {
        let (status, answer) = json_of(post(&boris, body).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert!(
            answer["attachments"][0].as_str().unwrap().contains(needle),
            "{what}: {answer}"
        );
    }
    // The same upload twice in one message.
    let (status, answer) = json_of(
        post(
            &anna,
            json!({"text": "", "attachments": [{"upload": id}, {"upload": id}]}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    // A blank text without attachments is still refused, as in the original.
    let (status, _) = json_of(post(&anna, json!({"text": " "})).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.messages(t).await.as_array().unwrap().len(),
        1,
        "nothing written"
    );
    // Anna's upload is still hers to send.
    let (status, m) = json_of(
        post(
            &anna,
            json!({"attachments": [{"upload": id, "file_name": "report.pdf"}]}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["attachments"][0]["file_name"], "report.pdf");
    // Once sent, every manager may download it: a document, never shown inline.
    let r = s.download(As::Manager(&boris), id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; ")
    );
    for bad in ["0", "-1", "x", "1.0", "..%2F1"] {
        let r = s.download(As::Manager(&boris), bad).await;
        assert_eq!(r.status(), 404, "{bad}");
    }
}
