//! A teloxide bot with its own menu that mounts the support handler and button.
//!
//! ```sh
//! TELOXIDE_TOKEN=123:abc BACKEND_HOST=127.0.0.1 BACKEND_PORT=8000 BACKEND_TOKEN=T \
//!     cargo run --example bot      # or: cargo run -p support-bot --example host_bot
//! ```
//!
//! `BACKEND_SCHEMA` (http), `BACKEND_HOST` (localhost), `BACKEND_PORT` (8000),
//! `BACKEND_SUPPORT_PATH` (/support) and `BACKEND_TOKEN` (the server's `--bot-token`) say where
//! the support server is. `SUPPORT_DIALOGUE_DB` (default `support-dialogues.db`) keeps the users'
//! support dialogues (a ticket being typed into, a draft), in
//! teloxide's SQLite storage (its feature `sqlite-storage-rustls`).
//!
//! Long polling: the bot asks Telegram for updates, so it needs no public URL and runs anywhere.
//! For webhook mode, with the bot in the support server's own process and port, see the
//! workspace's `examples/one_process` (`cargo run --example one_process --features sqlite,bot`).

use support_bot::{Languages, PushListener, SupportClient, SupportOptions, SupportStorage, Texts};
use teloxide::dispatching::UpdateHandler;
use teloxide::dispatching::dialogue::serializer::Json;
use teloxide::dispatching::dialogue::{SqliteStorage, Storage};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The host's own main menu, with the support button next to its own buttons.
fn main_menu(texts: &Texts) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![InlineKeyboardButton::callback("🛒 Каталог", "host:catalog")],
        vec![support_bot::support_button(texts)],
    ])
}

/// Everything support does not take: `/start`, the host's buttons.
fn host_handlers() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(
            |bot: Bot, texts: Texts, msg: Message| async move {
                bot.send_message(msg.chat.id, "Главное меню")
                    .reply_markup(main_menu(&texts))
                    .await?;
                Ok(())
            },
        ))
        .branch(Update::filter_callback_query().endpoint(
            |bot: Bot, texts: Texts, q: CallbackQuery| async move {
                bot.answer_callback_query(q.id.clone()).await?;
                if let Some(message) = q.regular_message() {
                    let text = match q.data.as_deref() {
                        Some("host:catalog") => "Каталог пуст.",
                        _ => "Главное меню",
                    };
                    bot.send_message(message.chat.id, text)
                        .reply_markup(main_menu(&texts))
                        .await?;
                }
                Ok(())
            },
        ))
}

/// Runs the bot (also the workspace's `cargo run --example bot`).
#[tokio::main]
pub(crate) async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let bot = Bot::from_env();
    let client = SupportClient::from_env()?;
    // Each user in their Telegram language (Russian, also the fallback, or English).
    let languages = Languages::default();
    // Persistent, so a restart of the bot keeps every user where they were. Its own file: the
    // host's dialogues (if it has any) go to another storage, both being keyed by chat.
    let dialogue_db =
        std::env::var("SUPPORT_DIALOGUE_DB").unwrap_or_else(|_| "support-dialogues.db".into());
    let storage: SupportStorage = SqliteStorage::open(&dialogue_db, Json).await?.erase();

    // Manager replies pushed to users; switches itself off against a server without push.
    tokio::spawn(
        PushListener::new(
            bot.clone(),
            client.clone(),
            languages.clone(),
            storage.clone(),
        )
        .run(),
    );

    let tree: UpdateHandler<HandlerError> = dptree::entry()
        .branch(support_bot::handler())
        .branch(host_handlers());
    // «Назад» in the support menu returns to the host's menu callback.
    let options = SupportOptions::default().back_callback("host:menu");
    // The support handler's dependencies; they include the fallback `Texts`, which the host's
    // handlers use for the button.
    let deps = support_bot::dependencies(client, languages, options, storage);
    Dispatcher::builder(bot, tree)
        .dependencies(deps)
        .enable_ctrlc_handler()
        .build()
        .dispatch()
        .await;
    Ok(())
}
