//! Attachments in the console, in headless Chromium (issue 16): a user's album arrives as one
//! message of three pictures, drawn, with a full-size view; a file over the limit is refused
//! before any upload, with the limit named; Anna pastes a screenshot and picks a document,
//! sees them upload, sends them without a caption, and her chat shows the picture and the
//! download, live and after a reload.

use serde_json::{Value, json};
use support_server::attachments::AttachmentLimits;
use support_testkit::{As, Browser, Driver, Screen, TestServer, png};

use crate::console_browser::SERIAL;

const ANNA: (&str, &str) = ("anna", "correct horse battery");
/// The limit of this test's server: small, so a file over it is quick to make.
const LIMIT: u64 = 512 * 1024;

/// The pictures of the newest message with attachments: how many, and how many are drawn.
const PICTURES: &str = r#"
    const messages = [...document.querySelectorAll('#message-list li.msg.has-attachments')];
    const last = messages[messages.length - 1];
    if (!last) return null;
    const imgs = [...last.querySelectorAll('img.att-image')];
    return { count: imgs.length, drawn: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
             files: last.querySelectorAll('a.att-download').length };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_albums_and_sends_pasted_screenshots() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = Driver::start("console_attachments") else {
        return;
    };
    let site = TestServer::with_files(AttachmentLimits {
        max_bytes: LIMIT,
        ..AttachmentLimits::default()
    })
    .await;
    site.manager_with_password(ANNA.0, ANNA.1, "Anna", "").await;

    // A user sends an album of three pictures, copied by the bot.
    let mut album = Vec::new();
    for colour in [[220, 20, 20], [20, 220, 20], [20, 20, 220]] {
        let r = site
            .upload(
                As::Bot,
                "IMG.jpg",
                "image/png",
                png(40, 30, colour),
                Some("photo"),
            )
            .await;
        assert_eq!(r.status(), 201);
        let up: Value = r.json().await.unwrap();
        album.push(json!({"upload": up["id"]}));
    }
    let r = site
        .bot(reqwest::Method::POST, "/support/tickets/")
        .json(&json!({"user_id": 5150, "title": "The screen is broken", "text": "look", "attachments": album}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ticket = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let anna = Browser::open(&driver, Screen::Desktop).await;
    anna.goto(&site.console_url()).await;
    anna.login(ANNA.0, ANNA.1).await;
    anna.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    let album = anna
        .wait_for("the album: one message, three pictures, all drawn", &format!(
            "(() => {{ const p = (() => {{ {PICTURES} }})(); return p && p.count === 3 && p.drawn === 3 ? p : null; }})()"
        ))
        .await;
    assert_eq!(album["files"], 0, "{album}");
    // The full-size view opens on a click and closes with Escape.
    anna.click("#message-list img.att-image").await;
    anna.wait_for(
        "the lightbox",
        "document.getElementById('lightbox').open === true",
    )
    .await;
    anna.js(
        "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true})); \
             document.getElementById('lightbox').close?.(); return true;",
    )
    .await;

    anna.click("#btn-assign").await;
    // A file over the limit is refused in the page, before any upload, with the limit named.
    let uploads_before = site_uploads(&site).await;
    anna.give_file(
        &vec![0u8; LIMIT as usize + 1],
        "huge.bin",
        "application/octet-stream",
        false,
    )
    .await;
    let notice = anna
        .wait_for(
            "the refusal",
            "document.getElementById('upload-notice')?.textContent || null",
        )
        .await;
    assert!(notice.as_str().unwrap().contains("huge.bin"), "{notice}");
    assert!(
        notice.as_str().unwrap().contains("512"),
        "the limit is named: {notice}"
    );
    assert_eq!(
        site_uploads(&site).await,
        uploads_before,
        "nothing was uploaded"
    );

    // Anna pastes a screenshot and picks a document; both upload, then she sends them.
    anna.give_file(&png(64, 48, [250, 200, 0]), "image.png", "image/png", true)
        .await;
    anna.give_file(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n%%EOF\n",
        "invoice.pdf",
        "application/pdf",
        false,
    )
    .await;
    anna.wait_for(
        "both uploads done",
        "document.querySelectorAll('#upload-chips li.upload-chip[data-state=\"done\"]').length === 2",
    )
    .await;
    anna.wait_for(
        "the send button",
        "!document.getElementById('send').disabled",
    )
    .await;
    anna.click("#send").await;
    anna.wait_for(
        "the chips cleared",
        "document.querySelectorAll('#upload-chips li.upload-chip').length === 0",
    )
    .await;

    // Stored as one reply with the picture and the document, no caption.
    let messages = site.messages(ticket).await;
    let reply = &messages[0];
    assert_eq!(reply["sender"], "supp", "{reply}");
    assert_eq!(reply["text"], "");
    let kinds: Vec<&str> = reply["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["photo", "document"], "{reply}");
    assert!(
        reply["attachments"][0]["file_name"]
            .as_str()
            .unwrap()
            .starts_with("screenshot-")
            || reply["attachments"][0]["file_name"] == "image.png",
        "{reply}"
    );

    // Her chat shows the reply live: the picture drawn, the document as a download; and so
    // does a fresh page, from REST.
    for fresh in [false, true] {
        if fresh {
            anna.goto(&site.console_url()).await;
            anna.click("#tab-mine").await;
            anna.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
                .await;
        }
        let view = anna
            .wait_for("Anna's reply: a drawn picture and a download", &format!(
                "(() => {{ const p = (() => {{ {PICTURES} }})(); return p && p.count === 1 && p.drawn === 1 && p.files === 1 ? p : null; }})()"
            ))
            .await;
        assert_eq!(view["count"], 1, "fresh page: {fresh}");
        let link = anna
            .js("const m = [...document.querySelectorAll('#message-list li.msg.has-attachments')].pop(); \
                 return m.querySelector('a.att-download .att-name')?.textContent;")
            .await;
        assert_eq!(link, "invoice.pdf");
    }
    // No script error, no CSP violation; the only failed request is the session check before
    // signing in.
    anna.assert_no_console_errors(&[
        "/support/auth/me/ - Failed to load resource: the server responded with a status of 401",
    ])
    .await;
    anna.close().await;
}

/// How many uploads the storage has seen (ids are never reused: the next id tells).
async fn site_uploads(site: &TestServer) -> usize {
    let mut n = 0;
    for id in 1..100 {
        if site
            .storage()
            .get_attachment(support_protocol::AttachmentId::new(id))
            .await
            .unwrap()
            .is_some()
        {
            n += 1;
        }
    }
    n
}
