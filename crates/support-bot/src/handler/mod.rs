//! The teloxide handler a host mounts \[B1\]–\[B7\], the support button \[B2\] and their options.
//!
//! The handler is a dptree tree of small endpoints, one per button and per dialogue state:
//!
//! ```text
//! handler
//! ├─ callback query                                                  callbacks.rs
//! │  ├─ support's data (`sup:…`)
//! │  │  ├─ with a message to edit: one endpoint per button    menu.rs, create.rs, confirm.rs,
//! │  │  │                                                     ticket.rs, lifecycle.rs, answer.rs
//! │  │  └─ without: the press is only answered
//! │  ├─ support's prefix, data it cannot read: "no longer valid"
//! │  └─ a host's data: ends the support state, passed on              host.rs
//! └─ message in a private chat                                       messages.rs
//!    ├─ /support: the main menu                                       command.rs
//!    ├─ not a command, a Telegram reply to support's message about a ticket:
//!    │  to that ticket                                                answer.rs
//!    ├─ not a command, and the state expects input:
//!    │  one endpoint per state                        create.rs, ticket.rs, answer.rs
//!    └─ a host command: ends the support state, passed on             host.rs
//! ```
//!
//! The endpoints handle their own errors (`ui.rs`: the user is told, the log gets a line), so
//! they return `()`; [`handler`] turns that into the host's `Ok(())`, and what the tree does not
//! take goes on to the host's next branches with the dependencies it came with.

mod answer;
mod callbacks;
mod command;
mod confirm;
mod create;
mod dialogue;
mod host;
mod lifecycle;
mod media;
mod menu;
mod messages;
mod press;
mod serial;
mod ticket;
mod ui;

pub(crate) use answer::{after_push, after_resolution};

use std::ops::ControlFlow;

use teloxide::RequestError;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, Handler, HandlerDescription, deps, di::DependencyMap};
use teloxide::prelude::{Bot, Requester};
use teloxide::types::InlineKeyboardButton;
use time::UtcOffset;

use crate::callback::Callback;
use crate::client::SupportClient;
use crate::languages::Languages;
pub use crate::media::FilesBot;
use crate::state::SupportStorage;
use crate::texts::Texts;

#[cfg(doc)]
use crate::state::SupportState;

/// The command that opens the support menu.
pub const SUPPORT_COMMAND: &str = "/support";

/// Settings of the support screens that are not texts.
///
/// ```
/// use support_bot::SupportOptions;
/// let options = SupportOptions::default().back_callback("main_menu");
/// assert_eq!(options.back_callback.as_deref(), Some("main_menu"));
/// assert!(options.copy_files); // users' files are copied to the server by default
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportOptions {
    /// The callback data the main menu's back button sends, for the host's own handler to show
    /// its menu. `None`: back closes (deletes) the support menu.
    pub back_callback: Option<String>,
    /// The offset in which dates and times are shown (default UTC).
    pub utc_offset: Option<UtcOffset>,
    /// Whether the files users send (photos, documents, voice notes, ...) are copied into the
    /// support server's blob store, so managers see them in the console and they outlive
    /// Telegram (default `true`). The bot downloads each from Telegram and uploads it as it
    /// streams, a few at a time. Off, or when a copy fails (a file over Telegram's 20 MB limit
    /// for bots, a download or upload cut off, a server without a blob store), the message still
    /// carries the file, by Telegram's `file_id` only; a failed copy is logged as a warning.
    pub copy_files: bool,
    /// The plain bot that downloads the files to copy, when the dispatcher's bot is wrapped in
    /// adaptors (`Throttle<Bot>`, ...): a download needs the token, which adaptors do not give
    /// out. With a plain `Bot` in the dispatcher ([`handler()`]) it is not needed. Without
    /// either, files are not copied (a warning is logged once).
    pub files_bot: Option<FilesBot>,
}

impl Default for SupportOptions {
    fn default() -> Self {
        Self {
            back_callback: None,
            utc_offset: None,
            copy_files: true,
            files_bot: None,
        }
    }
}

impl SupportOptions {
    /// Sets [`Self::back_callback`].
    pub fn back_callback(mut self, data: impl Into<String>) -> Self {
        self.back_callback = Some(data.into());
        self
    }

    /// Sets [`Self::utc_offset`].
    pub fn utc_offset(mut self, offset: UtcOffset) -> Self {
        self.utc_offset = Some(offset);
        self
    }

    /// Sets [`Self::copy_files`].
    pub fn copy_files(mut self, copy: bool) -> Self {
        self.copy_files = copy;
        self
    }

    /// Sets [`Self::files_bot`]: the plain `Bot` inside the dispatcher's wrapped one.
    pub fn files_bot(mut self, bot: Bot) -> Self {
        self.files_bot = Some(FilesBot::new(bot));
        self
    }

    fn offset(&self) -> UtcOffset {
        self.utc_offset.unwrap_or(UtcOffset::UTC)
    }
}

/// The inline button that opens the support menu \[B2\]; put it on any keyboard of the host.
///
/// ```
/// use support_bot::{Texts, support_button};
/// let button = support_button(&Texts::default());
/// assert_eq!(button.text, "Поддержка");
/// ```
pub fn support_button(texts: &Texts) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(texts.support_button.to_string(), Callback::Menu.data())
}

/// The dependencies [`handler`] (or [`handler_for`]) needs besides the bot, in one map to merge
/// into the host's (`DependencyMap::insert_container`, or `Dispatcher::builder(..).dependencies`).
///
/// `languages` is a [`Languages`] registry (texts chosen per user from Telegram's
/// `language_code`: `Languages::default()` speaks Russian and English), or a single [`Texts`]
/// (`From<Texts>`), which every user gets, as before languages existed. Besides the
/// [`Languages`], the map holds the fallback [`Texts`] for the host's own handlers (e.g. to put
/// [`support_button`] on a keyboard), as it always did.
///
/// ```
/// use support_bot::{Languages, SupportClient, SupportConfig, SupportOptions, SupportState, Texts};
/// use teloxide::dispatching::dialogue::{InMemStorage, Storage};
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = SupportClient::new(SupportConfig::builder().build()?)?;
/// let storage = InMemStorage::<SupportState>::new().erase();
/// // Each user in their language (Russian for anyone else):
/// let deps = support_bot::dependencies(client.clone(), Languages::default(), SupportOptions::default(), storage.clone());
/// // Everyone in English:
/// let deps = support_bot::dependencies(client, Texts::english(), SupportOptions::default(), storage);
/// # let _ = deps; Ok(()) }
/// ```
pub fn dependencies(
    client: SupportClient,
    languages: impl Into<Languages>,
    options: SupportOptions,
    storage: SupportStorage,
) -> DependencyMap {
    let languages = languages.into();
    let texts = languages.fallback_texts().clone();
    deps![client, languages, texts, options, storage]
}

/// The support handler for a dispatcher whose bot is a plain [`teloxide::Bot`]:
/// [`handler_for::<Bot, E>()`](handler_for). See there.
pub fn handler<E>() -> UpdateHandler<E>
where
    E: Send + Sync + 'static,
{
    handler_for::<Bot, E>()
}

/// The support handler: add it to the host's dispatcher tree with
/// `.branch(support_bot::handler_for::<R, _>())`, before the host's catch-all handlers, where `R`
/// is the type of the dispatcher's bot: `Bot` (or simply [`handler()`]), or a bot wrapped in
/// teloxide's adaptors, e.g. `Throttle<Bot>`, `DefaultParseMode<Bot>`, `CacheMe<Bot>`,
/// `Trace<Bot>` and stacks of them. Any requester whose error type is teloxide's
/// [`RequestError`] will do. The handler always sends its texts with `parse_mode: HTML` set
/// explicitly, so a `DefaultParseMode` does not change them.
///
/// It takes only what belongs to support and passes everything else on (`ControlFlow::Continue`):
/// - callback queries whose data starts with [`crate::CALLBACK_PREFIX`] (its buttons, including
///   [`support_button`]);
/// - the `/support` command (also `/support@botname`), in private chats;
/// - text (and other) messages in private chats while the user's [`SupportState`] expects input
///   (creating a ticket, or viewing a ticket). A host command (`/...`) or a press on a host button
///   ends that state and passes on, so the user can always leave support through the host's UI.
///
/// The screens are in the language of the user who sent the update ([`Languages`]).
///
/// Errors are handled inside (the user gets a message, the log a line), so the handler always
/// returns `Ok(())` in the host's error type `E`.
///
/// ```no_run
/// use teloxide::adaptors::DefaultParseMode;
/// use teloxide::dispatching::UpdateHandler;
/// use teloxide::prelude::*;
/// use teloxide::types::ParseMode;
///
/// # fn demo(deps: teloxide::dptree::di::DependencyMap) {
/// type HostError = Box<dyn std::error::Error + Send + Sync>;
/// // The host's own messages are MarkdownV2; support's stay HTML.
/// let bot = Bot::from_env().parse_mode(ParseMode::MarkdownV2);
/// let tree: UpdateHandler<HostError> =
///     dptree::entry().branch(support_bot::handler_for::<DefaultParseMode<Bot>, _>());
/// let dispatcher = Dispatcher::builder(bot, tree).dependencies(deps).build();
/// # let _ = dispatcher; }
/// ```
///
/// ## Dependency requirements
///
/// - the bot, of type `R` (the dispatcher provides it)
/// - [`SupportClient`]
/// - [`Languages`]
/// - [`SupportOptions`]
/// - [`SupportStorage`] (e.g. `InMemStorage::<SupportState>::new().erase()`)
/// - [`Update`](teloxide::types::Update) (the dispatcher provides it)
///
/// [`dependencies`] builds the middle four.
pub fn handler_for<R, E>() -> UpdateHandler<E>
where
    R: Requester<Err = RequestError> + Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    for_host(
        dptree::entry()
            .branch(callbacks::tree::<R>())
            .branch(messages::tree::<R>()),
    )
}

/// The support tree: its endpoints handle their own errors, so its output is `()`.
type Tree = Handler<'static, (), DpHandlerDescription>;

/// Mounts `tree` in a host's tree with error type `E`: what the tree takes becomes `Ok(())`; what
/// it passes on goes on with the host's dependencies as they came in, untouched by what the
/// tree's filters added. The signature is the tree's own, for the dispatcher's type check.
fn for_host<E>(tree: Tree) -> UpdateHandler<E>
where
    E: Send + Sync + 'static,
{
    // The description tells the dispatcher which update kinds to ask Telegram for
    // (`allowed_updates`). The tree's own would be messages and callback queries; the handler
    // has always declared "any kind" (a `filter_map_async` at its root), and a host whose other
    // handlers do not cover a kind would stop receiving it, so that stays as it was.
    let description = DpHandlerDescription::user_defined();
    let sig = tree.sig().clone();
    dptree::from_fn_with_description(
        description,
        move |deps: DependencyMap, cont| {
            let tree = tree.clone();
            async move {
                // A clone of the map is a clone of `Arc`s.
                match tree.dispatch(deps.clone()).await {
                    ControlFlow::Break(()) => ControlFlow::Break(Ok(())),
                    ControlFlow::Continue(_) => cont(deps).await,
                }
            }
        },
        sig,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use teloxide::dispatching::dialogue::{InMemStorage, Storage};
    use teloxide::prelude::*;
    use teloxide::types::UpdateKind;

    use super::*;
    use crate::config::SupportConfig;
    use crate::state::SupportState;

    /// The documented dependencies, the `Bot` and `update`; nothing here reaches a network.
    fn deps_with(update: &serde_json::Value) -> DependencyMap {
        let config = SupportConfig::builder().build().unwrap();
        let mut deps = dependencies(
            SupportClient::new(config).unwrap(),
            Texts::default(),
            SupportOptions::default(),
            InMemStorage::<SupportState>::new().erase(),
        );
        deps.insert(Bot::new("0:test"));
        // From text: teloxide parses a `Value` into `UpdateKind::Error`.
        let update: Update = serde_json::from_str(&update.to_string()).unwrap();
        assert!(!matches!(update.kind, UpdateKind::Error(_)), "{update:?}");
        deps.insert(update);
        deps
    }

    fn text(chat: &serde_json::Value, text: &str) -> serde_json::Value {
        json!({"update_id": 1, "message": {"message_id": 1, "date": 1_700_000_000, "chat": chat,
            "from": {"id": 7, "is_bot": false, "first_name": "U"}, "text": text}})
    }

    fn private() -> serde_json::Value {
        json!({"id": 7, "type": "private", "first_name": "U"})
    }

    fn press(data: &str) -> serde_json::Value {
        json!({"update_id": 2, "callback_query": {"id": "q", "chat_instance": "1", "data": data,
            "from": {"id": 7, "is_bot": false, "first_name": "U"},
            "message": {"message_id": 3, "date": 1_700_000_000, "chat": private(),
                "from": {"id": 9, "is_bot": true, "first_name": "B"}, "text": "screen"}}})
    }

    #[test]
    fn the_documented_dependencies_are_all_it_needs() {
        let deps = deps_with(&text(&private(), "hello"));
        // What the dispatcher checks when it is built (it adds `Me`, which is not needed).
        dptree::type_check(handler::<()>().sig(), &deps, &[]);
    }

    #[tokio::test]
    async fn what_it_passes_on_keeps_the_host_dependencies_as_they_were() {
        let group = json!({"id": -100, "type": "group", "title": "G"});
        for update in [
            text(&group, "/support"),
            text(&private(), "hello host"),
            text(&private(), "/start"),
            press("host:menu"),
        ] {
            let deps = deps_with(&update);
            let before = deps.clone();
            match handler::<()>().dispatch(deps).await {
                ControlFlow::Continue(after) => {
                    assert_eq!(after, before, "{update}");
                    assert!(after.try_get::<Message>().is_none());
                    assert!(after.try_get::<CallbackQuery>().is_none());
                }
                ControlFlow::Break(_) => panic!("support took {update}"),
            }
        }
    }

    #[test]
    fn the_button_opens_the_menu() {
        let b = support_button(&Texts::english());
        assert_eq!(b.text, "Support");
        assert!(
            matches!(b.kind, teloxide::types::InlineKeyboardButtonKind::CallbackData(ref d) if d == "sup:m")
        );
    }
}
