//! # support-bot
//!
//! The Telegram half of chatlabs-support for [teloxide] bots, and a REST client of the support
//! server usable on its own.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`SupportConfig`] from `BACKEND_*` variables or a builder |
//! | [`client`] | [`SupportClient`], the REST client |
//! | [`handler`](mod@handler) | [`handler()`] / [`handler_for`] (a dptree tree, one endpoint per button and state, for any teloxide bot type), [`support_button`], [`SupportOptions`] (with [`FilesBot`]), [`dependencies`] |
//! | `media` (private) | users' files, locations and contacts as attachments: described, copied to the server, albums grouped |
//! | [`screens`] | the screens as pure values ([`screens::Screen`]) |
//! | [`state`] | [`SupportState`], [`SupportStorage`], [`DraftId`] |
//! | [`push`] | [`PushListener`]: manager replies pushed to users |
//! | [`texts`] | [`Texts`]: every text, Russian and English |
//! | [`languages`] | [`Languages`]: the texts of each language, picked per user |
//! | [`escape`], [`split`] | [`escape_html`], [`split_html`] |
//! | [`error`] | [`ConfigError`], [`ClientError`], [`PushError`] |
//!
//! Mounting it in a bot, with the dialogues in teloxide's SQLite storage (teloxide's feature
//! `sqlite-storage-rustls`; any teloxide storage works, `InMemStorage` forgets them on a restart):
//!
//! ```no_run
//! use support_bot::{Languages, SupportClient, SupportOptions, SupportStorage};
//! use teloxide::dispatching::UpdateHandler;
//! use teloxide::dispatching::dialogue::serializer::Json;
//! use teloxide::dispatching::dialogue::{SqliteStorage, Storage};
//! use teloxide::prelude::*;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let bot = Bot::from_env();
//! let client = SupportClient::from_env()?; // fails at start-up on a bad BACKEND_* variable
//! // Each user in their Telegram language: Russian (also for anyone else) or English.
//! let languages = Languages::default();
//! // Its own file: the host's dialogues, keyed by chat as well, go to another storage.
//! let storage: SupportStorage = SqliteStorage::open("support-dialogues.db", Json).await?.erase();
//!
//! // Manager replies pushed to users; nothing on disk: the server keeps what is not delivered.
//! tokio::spawn(support_bot::PushListener::new(
//!     bot.clone(), client.clone(), languages.clone(), storage.clone(),
//! ).run());
//!
//! let tree: UpdateHandler<Box<dyn std::error::Error + Send + Sync>> = dptree::entry()
//!     .branch(support_bot::handler())
//!     .branch(Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
//!         // the host's own handlers; support_button(&texts) goes on any of its keyboards
//!         // (`texts: Texts` can be injected: the fallback language)
//!         bot.send_message(msg.chat.id, "hello").await?;
//!         Ok(())
//!     }));
//! let deps = support_bot::dependencies(client, languages, SupportOptions::default(), storage);
//! Dispatcher::builder(bot, tree).dependencies(deps).build().dispatch().await;
//! # Ok(()) }
//! ```
//!
//! A bot wrapped in teloxide's adaptors (`Throttle<Bot>`, `DefaultParseMode<Bot>`, ...) mounts
//! [`handler_for::<ItsType, _>()`](handler_for) instead of [`handler()`].
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod callback;
pub mod client;
pub mod config;
pub mod error;
pub mod escape;
#[cfg(test)]
mod fuzz;
pub mod handler;
pub mod languages;
mod media;
pub mod push;
pub mod screens;
pub mod split;
pub mod state;
mod telegram;
pub mod texts;

pub use callback::CALLBACK_PREFIX;
pub use client::{LANGUAGE_CODE_MAX_CHARS, SERVER_HEADER, SupportClient, Writer};
pub use config::{SupportConfig, SupportConfigBuilder};
pub use error::{ClientError, ConfigError, PushError};
pub use escape::escape_html;
pub use handler::{
    FilesBot, SUPPORT_COMMAND, SupportOptions, dependencies, handler, handler_for, support_button,
};
pub use languages::Languages;
pub use push::{PushEnd, PushListener};
pub use split::{TELEGRAM_MESSAGE_LIMIT, split_html};
pub use state::{DraftId, SupportState, SupportStorage};
pub use support_protocol as protocol;
pub use texts::Texts;
