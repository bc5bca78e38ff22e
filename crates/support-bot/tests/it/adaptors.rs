//! Any teloxide bot can mount the handler (issue 13, part 7): a real `Dispatcher` polling the
//! fake Telegram, with the bot wrapped in teloxide's adaptors, end to end with the real server.

use std::time::Duration;

use crate::harness::*;
use serde_json::Value;
use support_bot::protocol::{Sender, TelegramId};
use support_bot::{PushListener, Texts};
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::trace::Settings;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::requests::RequesterExt;
use teloxide::types::ParseMode;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(10);

/// Runs a real dispatcher over `bot` (polling the fake), with the support handler for `R` and
/// a host branch that answers anything else with "host".
fn dispatcher<R>(h: &Harness, bot: R) -> JoinHandle<()>
where
    R: Requester<Err = teloxide::RequestError> + Clone + Send + Sync + 'static,
    // What `Dispatcher::dispatch` (its polling) asks of the bot beyond the handler's needs.
    R::GetUpdates: Send,
{
    let host = Update::filter_message().endpoint(|bot: R, m: Message| async move {
        bot.send_message(m.chat.id, "host").await?;
        Ok::<_, HostError>(())
    });
    let tree: UpdateHandler<HostError> = dptree::entry()
        .branch(support_bot::handler_for::<R, _>())
        .branch(host);
    let deps = support_bot::dependencies(
        h.client.clone(),
        h.languages.clone(),
        h.options.clone(),
        h.storage.clone(),
    );
    // `build` type-checks the tree against the dependencies: a missing one panics here.
    let mut dispatcher = Dispatcher::builder(bot, tree).dependencies(deps).build();
    tokio::spawn(async move { dispatcher.dispatch().await })
}

/// Queues `update` and waits until the fake has `n` successful calls of `method` in all.
async fn send(h: &Harness, update: Value, method: &'static str, n: usize) -> Call {
    h.tg.push_update(update);
    let calls =
        h.tg.wait_for(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == method && !c.failed)
                .count()
                >= n
        })
        .await;
    calls
        .into_iter()
        .filter(|c| c.method == method && !c.failed)
        .nth(n - 1)
        .unwrap()
}

/// `/support` → menu → create → title → text → confirm → the ticket view; then a message
/// typed into the ticket, and a host message that support leaves alone. Every text is HTML.
async fn the_whole_dialogue(h: &Harness) {
    let menu = send(h, h.text_json(USER, "/support"), "sendmessage", 1).await;
    assert_eq!(
        menu.callback_data(),
        ["sup:l:o:0", "sup:l:c:0", "sup:n", "sup:x"]
    );
    assert_eq!(menu.body["parse_mode"], "HTML");

    let prompt = send(h, h.press_json(USER, "sup:n", 1001), "editmessagetext", 1).await;
    assert!(prompt.text().contains("256"), "{}", prompt.text());
    assert_eq!(prompt.body["parse_mode"], "HTML");
    // The press was answered (the spinner stops).
    h.tg.wait_for(WAIT, |c| {
        c.iter().any(|c| c.method == "answercallbackquery")
    })
    .await;

    send(h, h.text_json(USER, "Card <charged>"), "sendmessage", 2).await;
    let confirm = send(h, h.text_json(USER, "Twice & more"), "sendmessage", 3).await;
    let buttons = confirm.callback_data();
    assert!(buttons[0].starts_with("sup:ny:"), "{buttons:?}");
    assert_eq!(buttons[1], "sup:nt");
    assert!(confirm.text().contains("Card &lt;charged&gt;"));

    let view = send(h, h.press_json(USER, &buttons[0], 1003), "sendmessage", 4).await;
    assert_eq!(view.body["parse_mode"], "HTML");
    let tickets = h
        .client
        .user_tickets(TelegramId::new(USER), false)
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].title, "Card <charged>");
    assert!(view.text().contains(&format!("#{}", tickets[0].id)));

    let again = send(h, h.text_json(USER, "any news?"), "sendmessage", 5).await;
    assert!(again.text().contains("any news?"), "{}", again.text());
    let messages = h.client.messages(tickets[0].id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].text, "any news?");
    assert_eq!(messages[0].sender, Sender::User);

    // A host command ends the support state and reaches the host's branch.
    let host = send(h, h.text_json(USER, "/start"), "sendmessage", 6).await;
    assert_eq!(host.text(), "host");
}

#[tokio::test]
async fn a_throttled_bot_mounts_the_handler() {
    init_tracing();
    let h = Harness::new().await;
    let bot = h.tg.bot().throttle(Limits::default());
    let running = dispatcher(&h, bot);
    the_whole_dialogue(&h).await;
    running.abort();
}

#[tokio::test]
async fn a_default_parse_mode_does_not_change_the_support_texts() {
    init_tracing();
    let h = Harness::new().await;
    let bot = h.tg.bot().parse_mode(ParseMode::MarkdownV2);
    let running = dispatcher(&h, bot);
    // Every support text goes with `parse_mode: HTML` (checked in the dialogue), the host's own
    // with the default.
    the_whole_dialogue(&h).await;
    assert_eq!(h.tg.last("sendmessage").body["parse_mode"], "MarkdownV2");
    running.abort();
}

#[tokio::test]
async fn a_stack_of_adaptors_mounts_the_handler() {
    init_tracing();
    let h = Harness::new().await;
    let bot =
        h.tg.bot()
            .cache_me()
            .parse_mode(ParseMode::MarkdownV2)
            .trace(Settings::empty())
            .throttle(Limits::default());
    let running = dispatcher(&h, bot);
    the_whole_dialogue(&h).await;
    running.abort();
}

#[tokio::test]
async fn push_delivers_through_a_wrapped_bot() {
    let h = Harness::new().await;
    let ticket = h.tickets(USER, 1).await.remove(0);
    let bot =
        h.tg.bot()
            .parse_mode(ParseMode::MarkdownV2)
            .throttle(Limits::default());
    let push = PushListener::new(bot, h.client.clone(), Texts::default(), h.storage.clone())
        .backoff(Duration::from_millis(50), Duration::from_millis(200));
    let running = tokio::spawn(push.run());
    h.backend
        .manager_reply(ticket.id, "hello *from* support")
        .await;
    let calls =
        h.tg.wait_for(WAIT, |c| c.iter().any(|c| c.method == "sendmessage"))
            .await;
    let delivered = calls.iter().find(|c| c.method == "sendmessage").unwrap();
    assert_eq!(delivered.chat_id(), USER);
    assert!(delivered.text().contains("hello *from* support"));
    assert_eq!(delivered.body["parse_mode"], "HTML");
    running.abort();
}

/// A wrapped bot gives out no token: files are copied with the plain bot named in the options
/// (`SupportOptions::files_bot`), and without it they are kept by their `file_id` only.
#[tokio::test]
async fn a_wrapped_bot_copies_files_with_the_plain_bot_it_names() {
    init_tracing();
    for named in [true, false] {
        let backend = TestServer::with_files(Default::default()).await;
        let client = client_for(backend.addr);
        let mut h = Harness::with_client(backend, client).await;
        if named {
            h.options = h.options.clone().files_bot(h.tg.bot());
        }
        let id = h.tickets(USER, 1).await.remove(0).id;
        let bot =
            h.tg.bot()
                .trace(Settings::empty())
                .throttle(Limits::default());
        let running = dispatcher(&h, bot);
        send(
            &h,
            h.press_json(USER, &format!("sup:t:{id}:0"), 1001),
            "editmessagetext",
            1,
        )
        .await;
        let photo = h.tg.add_file(support_testkit::png(6, 6, [5, 5, 5]));
        let message =
            support_testkit::UserMessage::photo(USER, &photo, 6, 6).with("from", h.from(USER));
        // The ticket shown again after the message: it is stored.
        send(&h, message.json(), "sendmessage", 1).await;
        let messages = h.client.messages(id).await.unwrap();
        let a = &messages[0].attachments[0];
        assert_eq!(a.telegram.as_ref().unwrap().file_id, photo.file_id);
        assert_eq!(a.stored, named, "copied only with the plain bot named");
        running.abort();
    }
}
