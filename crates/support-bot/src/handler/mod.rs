//! The teloxide handler a host mounts \[B1\]–\[B7\], the support button \[B2\] and their options.

use support_protocol::{
    Message, TEXT_MAX_CHARS, TITLE_MAX_CHARS, TelegramId, Ticket, TicketId, ValidationError,
    validate_text, validate_title,
};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, di::DependencyMap};
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, MessageId, UpdateKind,
};
use teloxide::{RequestError, dptree::deps};
use time::UtcOffset;

use crate::callback::Callback;
use crate::client::SupportClient;
use crate::error::ClientError;
use crate::escape::escape_html;
use crate::screens::{
    Screen, confirm_screen, list_screen, menu_screen, text_prompt_screen, ticket_screen,
    title_prompt_screen,
};
use crate::state::{SupportState, SupportStorage};
use crate::telegram::{answer, edit_screen, send_html, send_screen, with_retry};
use crate::texts::{Texts, fill};

/// The command that opens the support menu.
pub const SUPPORT_COMMAND: &str = "/support";

/// Settings of the support screens that are not texts.
///
/// ```
/// use support_bot::SupportOptions;
/// let options = SupportOptions::default().back_callback("main_menu");
/// assert_eq!(options.back_callback.as_deref(), Some("main_menu"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportOptions {
    /// The callback data the main menu's back button sends, for the host's own handler to show
    /// its menu. `None`: back closes (deletes) the support menu.
    pub back_callback: Option<String>,
    /// The offset in which dates and times are shown (default UTC).
    pub utc_offset: Option<UtcOffset>,
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

/// The dependencies [`handler`] needs besides the `Bot`, in one map to merge into the host's
/// (`DependencyMap::insert_container`).
pub fn dependencies(
    client: SupportClient,
    texts: Texts,
    options: SupportOptions,
    storage: SupportStorage,
) -> DependencyMap {
    deps![client, texts, options, storage]
}

/// The support handler: add it to the host's dispatcher tree with `.branch(support_bot::handler())`,
/// before the host's catch-all handlers.
///
/// It takes only what belongs to support and passes everything else on (`ControlFlow::Continue`):
/// - callback queries whose data starts with [`crate::CALLBACK_PREFIX`] (its buttons, including
///   [`support_button`]);
/// - the `/support` command (also `/support@botname`), in private chats;
/// - text (and other) messages in private chats while the user's [`SupportState`] expects input
///   (creating a ticket, or viewing a ticket). A host command (`/...`) or a press on a host button
///   ends that state and passes on, so the user can always leave support through the host's UI.
///
/// Errors are handled inside (the user gets a message, the log a line), so the handler always
/// returns `Ok(())` in the host's error type `E`.
///
/// ## Dependency requirements
///
/// - [`teloxide::Bot`] (the dispatcher provides it)
/// - [`SupportClient`]
/// - [`Texts`]
/// - [`SupportOptions`]
/// - [`SupportStorage`] (e.g. `InMemStorage::<SupportState>::new().erase()`)
///
/// [`dependencies`] builds the last four.
pub fn handler<E>() -> UpdateHandler<E>
where
    E: Send + Sync + 'static,
{
    dptree::entry().filter_map_async(route).endpoint(
        |bot: Bot,
         client: SupportClient,
         texts: Texts,
         options: SupportOptions,
         storage: SupportStorage,
         action: Action| async move {
            let ctx = Ctx {
                bot,
                client,
                texts,
                options,
                storage,
            };
            ctx.run(action).await;
            Ok::<(), E>(())
        },
    )
}

/// An update support takes.
#[derive(Debug, Clone)]
enum Action {
    Command(teloxide::types::Message),
    Callback(CallbackQuery, Callback),
    Input(teloxide::types::Message, SupportState),
}

fn is_support_command(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    first == SUPPORT_COMMAND
        || first
            .strip_prefix(SUPPORT_COMMAND)
            .is_some_and(|rest| rest.starts_with('@'))
}

async fn route(update: Update, storage: SupportStorage) -> Option<Action> {
    match &update.kind {
        UpdateKind::CallbackQuery(q) => {
            let data = q.data.as_deref()?;
            if let Some(cb) = Callback::parse(data) {
                return Some(Action::Callback(q.clone(), cb));
            }
            // A press on one of the host's buttons: the user left support.
            if let Some(m) = &q.message {
                leave(&storage, m.chat().id).await;
            }
            None
        }
        UpdateKind::Message(m) => {
            if !m.chat.is_private() {
                return None;
            }
            if let Some(text) = m.text() {
                if is_support_command(text) {
                    return Some(Action::Command(m.clone()));
                }
                if text.starts_with('/') {
                    leave(&storage, m.chat.id).await;
                    return None;
                }
            }
            match storage.get_dialogue(m.chat.id).await {
                Ok(state) => {
                    let state = state.unwrap_or_default();
                    state.takes_text().then(|| Action::Input(m.clone(), state))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the support dialogue state; passing the update on");
                    None
                }
            }
        }
        _ => None,
    }
}

/// Resets a chat's support state to idle (only writes when it is not idle already).
async fn leave(storage: &SupportStorage, chat: ChatId) {
    if let Ok(Some(state)) = storage.clone().get_dialogue(chat).await
        && state != SupportState::Idle
        && let Err(e) = storage.clone().remove_dialogue(chat).await
    {
        tracing::warn!(error = %e, "cannot reset the support dialogue state");
    }
}

/// Why a step failed.
#[derive(Debug)]
enum Failure {
    Client(ClientError),
    Telegram(RequestError),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

impl From<RequestError> for Failure {
    fn from(e: RequestError) -> Self {
        Self::Telegram(e)
    }
}

struct Ctx {
    bot: Bot,
    client: SupportClient,
    texts: Texts,
    options: SupportOptions,
    storage: SupportStorage,
}

impl Ctx {
    async fn run(&self, action: Action) {
        match action {
            Action::Command(m) => {
                self.set_state(m.chat.id, SupportState::Idle).await;
                let screen = menu_screen(&self.texts, self.options.back_callback.as_deref());
                // Telegram failures are logged by `with_retry`; there is nobody else to tell.
                let _ = send_screen(&self.bot, m.chat.id, &screen).await;
            }
            Action::Callback(q, cb) => self.on_callback(&q, cb).await,
            Action::Input(m, state) => {
                let chat = m.chat.id;
                if let Err(Failure::Client(e)) = self.on_input(&m, state).await {
                    let _ = send_html(&self.bot, chat, &self.client_error_text(&e), None).await;
                }
            }
        }
    }

    async fn set_state(&self, chat: ChatId, state: SupportState) {
        let result = if state == SupportState::Idle {
            match self.storage.clone().get_dialogue(chat).await {
                Ok(Some(_)) => self.storage.clone().remove_dialogue(chat).await,
                _ => Ok(()),
            }
        } else {
            self.storage.clone().update_dialogue(chat, state).await
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot store the support dialogue state");
        }
    }

    async fn state(&self, chat: ChatId) -> SupportState {
        self.storage
            .clone()
            .get_dialogue(chat)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The text telling the user why a backend call failed.
    fn client_error_text(&self, e: &ClientError) -> String {
        let t = &self.texts;
        match e {
            ClientError::NotFound(_) => t.not_found.to_string(),
            ClientError::Rejected(body) => {
                fill(&t.rejected, &[("reason", &escape_html(&body.summary()))])
            }
            ClientError::Invalid(v) => self.validation_text(v, TEXT_MAX_CHARS),
            ClientError::Unauthorized { .. } => {
                tracing::error!(error = %e, "the support server refuses the bot; check BACKEND_TOKEN");
                t.unavailable.to_string()
            }
            _ => {
                tracing::warn!(error = %e, "support server unavailable");
                t.unavailable.to_string()
            }
        }
    }

    /// The refusal of an empty or over-long input, naming the limit `max` of the field.
    fn validation_text(&self, e: &ValidationError, max: usize) -> String {
        match e {
            ValidationError::TooLong { max, actual } => fill(
                &self.texts.too_long,
                &[("max", &max.to_string()), ("actual", &actual.to_string())],
            ),
            // `Blank`, and anything a later protocol version adds.
            _ => fill(&self.texts.empty, &[("max", &max.to_string())]),
        }
    }

    /// Loads a ticket of `user` with its messages; someone else's ticket is "not found".
    async fn load_ticket(
        &self,
        user: TelegramId,
        id: TicketId,
    ) -> Result<(Ticket, Vec<Message>), ClientError> {
        let ticket = self.client.ticket(id).await?;
        if ticket.user.telegram_id != user {
            return Err(ClientError::NotFound(format!(
                "ticket {id} is not this user's"
            )));
        }
        let messages = self.client.messages(id).await?;
        Ok((ticket, messages))
    }

    async fn on_callback(&self, q: &CallbackQuery, cb: Callback) {
        let Some(message) = &q.message else {
            answer(&self.bot, q, None, false).await;
            return;
        };
        let Ok(user) = i64::try_from(q.from.id.0).map(TelegramId::new) else {
            answer(&self.bot, q, None, false).await;
            return;
        };
        match self.callback_step(message, user, cb).await {
            Ok(()) => answer(&self.bot, q, None, false).await,
            Err(Failure::Client(e)) => {
                let text = self.client_error_text(&e);
                answer(&self.bot, q, Some(&text), true).await;
            }
            Err(Failure::Telegram(e)) => {
                // Already logged by `with_retry`; stop the button's spinner.
                tracing::debug!(error = %e, "support screen not shown");
                answer(&self.bot, q, None, false).await;
            }
        }
    }

    async fn callback_step(
        &self,
        message: &MaybeInaccessibleMessage,
        user: TelegramId,
        cb: Callback,
    ) -> Result<(), Failure> {
        let chat = message.chat().id;
        let id = message.id();
        let offset = self.options.offset();
        match cb {
            Callback::Menu => {
                self.set_state(chat, SupportState::Idle).await;
                self.edit(
                    chat,
                    id,
                    &menu_screen(&self.texts, self.options.back_callback.as_deref()),
                )
                .await?;
            }
            Callback::Close => {
                self.set_state(chat, SupportState::Idle).await;
                let request = self.bot.delete_message(chat, id);
                if with_retry("deleteMessage", || request.send_ref())
                    .await
                    .is_err()
                {
                    // Too old to delete (48 h): at least take the buttons away.
                    let request = self.bot.edit_message_reply_markup(chat, id);
                    let _ = with_retry("editMessageReplyMarkup", || request.send_ref()).await;
                }
            }
            Callback::List { resolved, page } => {
                let tickets = self.client.user_tickets(user, resolved).await?;
                self.set_state(chat, SupportState::Idle).await;
                self.edit(
                    chat,
                    id,
                    &list_screen(&self.texts, &tickets, resolved, page, offset),
                )
                .await?;
            }
            Callback::Create => {
                self.set_state(chat, SupportState::CreateTitle).await;
                self.edit(chat, id, &title_prompt_screen(&self.texts))
                    .await?;
            }
            Callback::CreateText => match self.state(chat).await {
                SupportState::CreateText { title } | SupportState::CreateConfirm { title, .. } => {
                    let screen = text_prompt_screen(&self.texts, &title);
                    self.set_state(chat, SupportState::CreateText { title })
                        .await;
                    self.edit(chat, id, &screen).await?;
                }
                _ => {
                    self.set_state(chat, SupportState::CreateTitle).await;
                    self.edit(chat, id, &title_prompt_screen(&self.texts))
                        .await?;
                }
            },
            Callback::Confirm => match self.state(chat).await {
                SupportState::CreateConfirm { title, text } => {
                    let ticket = self.client.create_ticket(user, &title, &text).await?;
                    self.set_state(
                        chat,
                        SupportState::Ticket {
                            id: ticket.id,
                            resolved: ticket.resolved,
                        },
                    )
                    .await;
                    let created = Screen {
                        text: fill(
                            &self.texts.created,
                            &[
                                ("id", &ticket.id.to_string()),
                                ("title", &escape_html(&ticket.title)),
                            ],
                        ),
                        keyboard: InlineKeyboardMarkup::new(Vec::<Vec<InlineKeyboardButton>>::new()),
                    };
                    self.edit(chat, id, &created).await?;
                    let messages = self.client.messages(ticket.id).await?;
                    send_screen(
                        &self.bot,
                        chat,
                        &ticket_screen(&self.texts, &ticket, &messages, 0, offset),
                    )
                    .await?;
                }
                // Pressed twice, or the state was lost: nothing to confirm; back to the menu.
                _ => {
                    self.set_state(chat, SupportState::Idle).await;
                    self.edit(
                        chat,
                        id,
                        &menu_screen(&self.texts, self.options.back_callback.as_deref()),
                    )
                    .await?;
                }
            },
            Callback::Ticket {
                id: ticket_id,
                page,
            } => {
                let (ticket, messages) = self.load_ticket(user, ticket_id).await?;
                self.set_state(
                    chat,
                    SupportState::Ticket {
                        id: ticket.id,
                        resolved: ticket.resolved,
                    },
                )
                .await;
                self.edit(
                    chat,
                    id,
                    &ticket_screen(&self.texts, &ticket, &messages, page, offset),
                )
                .await?;
            }
            Callback::Noop => {}
        }
        Ok(())
    }

    async fn edit(&self, chat: ChatId, id: MessageId, screen: &Screen) -> Result<(), RequestError> {
        edit_screen(&self.bot, chat, id, screen).await
    }

    async fn on_input(
        &self,
        m: &teloxide::types::Message,
        state: SupportState,
    ) -> Result<(), Failure> {
        let chat = m.chat.id;
        let user = TelegramId::new(chat.0);
        let text = m.text();
        let offset = self.options.offset();
        match state {
            SupportState::Idle => {}
            SupportState::CreateTitle => {
                let keyboard = title_prompt_screen(&self.texts).keyboard;
                match text.map(validate_title) {
                    None => {
                        send_html(&self.bot, chat, &self.texts.not_text, Some(&keyboard)).await?;
                    }
                    Some(Err(e)) => {
                        send_html(
                            &self.bot,
                            chat,
                            &self.validation_text(&e, TITLE_MAX_CHARS),
                            Some(&keyboard),
                        )
                        .await?;
                    }
                    Some(Ok(title)) => {
                        let screen = text_prompt_screen(&self.texts, &title);
                        self.set_state(chat, SupportState::CreateText { title })
                            .await;
                        send_screen(&self.bot, chat, &screen).await?;
                    }
                }
            }
            SupportState::CreateText { title } | SupportState::CreateConfirm { title, .. } => {
                let keyboard = text_prompt_screen(&self.texts, &title).keyboard;
                match text.map(validate_text) {
                    None => {
                        send_html(&self.bot, chat, &self.texts.not_text, Some(&keyboard)).await?;
                    }
                    Some(Err(e)) => {
                        send_html(
                            &self.bot,
                            chat,
                            &self.validation_text(&e, TEXT_MAX_CHARS),
                            Some(&keyboard),
                        )
                        .await?;
                    }
                    Some(Ok(text)) => {
                        let screen = confirm_screen(&self.texts, &title, &text);
                        self.set_state(chat, SupportState::CreateConfirm { title, text })
                            .await;
                        send_screen(&self.bot, chat, &screen).await?;
                    }
                }
            }
            SupportState::Ticket { id, resolved } => {
                let open_again =
                    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
                        self.texts.open_ticket.to_string(),
                        Callback::Ticket { id, page: 0 }.data(),
                    )]]);
                if resolved {
                    send_html(&self.bot, chat, &self.texts.read_only, Some(&open_again)).await?;
                    return Ok(());
                }
                let text = match text.map(validate_text) {
                    None => {
                        return Ok(send_html(&self.bot, chat, &self.texts.not_text, None).await?);
                    }
                    Some(Err(e)) => {
                        return Ok(send_html(
                            &self.bot,
                            chat,
                            &self.validation_text(&e, TEXT_MAX_CHARS),
                            None,
                        )
                        .await?);
                    }
                    Some(Ok(text)) => text,
                };
                // A manager may have resolved it since it was shown.
                let ticket = self.client.ticket(id).await?;
                if ticket.user.telegram_id != user {
                    return Err(
                        ClientError::NotFound(format!("ticket {id} is not this user's")).into(),
                    );
                }
                if ticket.resolved {
                    self.set_state(chat, SupportState::Ticket { id, resolved: true })
                        .await;
                    send_html(&self.bot, chat, &self.texts.read_only, Some(&open_again)).await?;
                    return Ok(());
                }
                self.client.send_message(id, &text).await?;
                let messages = self.client.messages(id).await?;
                send_screen(
                    &self.bot,
                    chat,
                    &ticket_screen(&self.texts, &ticket, &messages, 0, offset),
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_command_forms() {
        assert!(is_support_command("/support"));
        assert!(is_support_command("/support@my_bot"));
        assert!(is_support_command("/support please"));
        assert!(!is_support_command("/supports"));
        assert!(!is_support_command("support"));
        assert!(!is_support_command("/start"));
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
