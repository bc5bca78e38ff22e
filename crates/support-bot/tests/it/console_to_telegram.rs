//! The whole way, as its users meet it (issue 16): a user sends an album of three photos to
//! the real bot, and the manager's console in headless Chromium shows one message with the three
//! pictures drawn; the manager pastes a screenshot into the console and sends it, and the bot's
//! push delivers it to the user's chat at the fake Telegram as a photo, the very bytes pasted.

use std::time::Duration;

use support_testkit::{Browser, Driver, Screen, UserMessage, png};

use crate::harness::*;

const ANNA: (&str, &str) = ("anna", "correct horse battery");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screenshot_pasted_in_the_console_reaches_the_user_as_a_photo() {
    let Some(driver) = Driver::start("a_screenshot_pasted_in_the_console") else {
        return;
    };
    let (h, ticket) = crate::media::in_open_ticket().await;
    h.backend
        .manager_with_password(ANNA.0, ANNA.1, "Anna", "")
        .await;
    // The user sends an album of three photos, one with a caption.
    for i in 0..3u8 {
        let photo = h.tg.add_file(png(48, 36, [200, 40 * i, 40]));
        let mut part = UserMessage::photo(USER, &photo, 48, 36)
            .media_group("crash-album")
            .message_id(100 + i64::from(i));
        if i == 0 {
            part = part.caption("three screens");
        }
        let _ = h.dispatch(crate::media::sent(&h, part)).await;
    }
    crate::media::messages(&h, ticket, 2).await;
    let push = tokio::spawn(h.push_listener().run());

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&h.backend.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.click(&format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]"))
        .await;
    b.wait_for(
        "the album: one message, three pictures drawn",
        "(() => { const m = [...document.querySelectorAll('#message-list li.msg.has-attachments')]; \
         if (m.length !== 1) return false; const imgs = [...m[0].querySelectorAll('img.att-image')]; \
         return imgs.length === 3 && imgs.every(i => i.complete && i.naturalWidth > 0) \
           && m[0].textContent.includes('three screens'); })()",
    )
    .await;
    b.click("#btn-assign").await;
    let screenshot = png(120, 80, [30, 144, 255]);
    b.give_file(&screenshot, "image.png", "image/png", true)
        .await;
    b.wait_for(
        "the screenshot uploaded",
        "document.querySelector('#upload-chips li.upload-chip[data-state=\"done\"]') !== null",
    )
    .await;
    b.type_into("#reply", "Is this what you see?").await;
    b.wait_for(
        "the send button",
        "!document.getElementById('send').disabled",
    )
    .await;
    b.click("#send").await;

    let calls =
        h.tg.wait_for(Duration::from_secs(20), |c| {
            c.iter().any(|c| c.method == "sendphoto" && !c.failed)
        })
        .await;
    let photo = calls.iter().find(|c| c.method == "sendphoto").unwrap();
    assert_eq!(photo.chat_id(), USER);
    assert_eq!(photo.uploads.len(), 1);
    assert_eq!(photo.uploads[0].bytes, screenshot, "the very bytes pasted");
    assert!(
        photo.caption().contains("Is this what you see?"),
        "{}",
        photo.caption()
    );
    assert_eq!(
        photo.callback_data(),
        [format!("sup:t:{ticket}:0")],
        "the ticket's button"
    );
    push.abort();
    b.close().await;
}
