//! The whole way, as its users meet it (issue 16): a manager pastes a screenshot into the
//! console in headless Chromium and sends it; the bot's push delivers it to the user's chat at
//! the fake Telegram as a photo, the very bytes pasted.

use std::time::Duration;

use support_bot::protocol::TelegramId;
use support_server::attachments::AttachmentLimits;
use support_testkit::{Browser, Driver, Screen, png};

use crate::harness::*;

const ANNA: (&str, &str) = ("anna", "correct horse battery");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screenshot_pasted_in_the_console_reaches_the_user_as_a_photo() {
    let Some(driver) = Driver::start("a_screenshot_pasted_in_the_console") else {
        return;
    };
    init_tracing();
    let backend = TestServer::with_files(AttachmentLimits::default()).await;
    let client = client_for(backend.addr);
    let h = Harness::with_client(backend, client).await;
    h.backend
        .manager_with_password(ANNA.0, ANNA.1, "Anna", "")
        .await;
    let ticket = h
        .client
        .create_ticket(TelegramId::new(USER), "The app crashes", "see the error")
        .await
        .unwrap();
    let push = tokio::spawn(h.push_listener().run());

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&h.backend.console_url()).await;
    b.login(ANNA.0, ANNA.1).await;
    b.click(&format!(
        "#ticket-list .ticket-item[data-id=\"{}\"]",
        ticket.id
    ))
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
        [format!("sup:t:{}:0", ticket.id)],
        "the ticket's button"
    );
    push.abort();
    b.close().await;
}
