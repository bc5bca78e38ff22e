//! [`Ui`]: how the endpoints talk to the user (the bot, the texts in the user's language, the
//! options), and how a failed step is reported (\[B9\]: the user is told, the log gets a line).

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Once};

use support_protocol::{
    TEXT_MAX_CHARS, TITLE_MAX_CHARS, ValidationError, validate_text, validate_title,
};
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;
use time::UtcOffset;

use super::SupportOptions;
use super::press::Press;
use crate::client::Writer;
use crate::error::ClientError;
use crate::escape::escape_html;
use crate::languages::Languages;
use crate::screens::{Screen, menu_screen};
use crate::telegram::{TelegramApi, answer, edit_screen, send_html, send_screen};
use crate::texts::{Texts, fill};

/// The bot that downloads files to copy: the one the options name, else the dispatcher's own
/// when it is a plain [`Bot`] (a runtime check: requesters wrapped in adaptors give out no token,
/// and requiring teloxide's `Download` of every requester would refuse some, `Trace` among them).
fn files_bot<R: 'static>(bot: &R, options: &SupportOptions) -> Option<Bot> {
    if !options.copy_files {
        return None;
    }
    let found = options
        .files_bot
        .as_ref()
        .map(|b| b.0.clone())
        .or_else(|| (bot as &dyn Any).downcast_ref::<Bot>().cloned());
    if found.is_none() {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                "users' files are not copied to the support server: the dispatcher's bot is \
                 wrapped in adaptors; set SupportOptions::files_bot to the plain Bot (or \
                 copy_files(false) to silence this)"
            );
        });
    }
    found
}

/// Why a step failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// The support server: the user is told why.
    Client(ClientError),
    /// Telegram: already logged by `with_retry`; there is nobody else to tell.
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

/// A step of an endpoint: what it did, or why it stopped.
pub(super) type Step = Result<(), Failure>;

/// What a press is answered with besides its screen: a short text over the chat, or an alert
/// the user dismisses (for what they must not miss).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Notice {
    text: String,
    alert: bool,
}

impl Notice {
    /// A short text that fades.
    pub(super) fn toast(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            alert: false,
        }
    }

    /// An alert.
    pub(super) fn alert(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            alert: true,
        }
    }
}

/// A field the user types, with its limit \[B5\].
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    /// A ticket's title.
    Title,
    /// A message's text.
    Text,
}

impl Field {
    fn validate(self, typed: &str) -> Result<String, ValidationError> {
        match self {
            Self::Title => validate_title(typed),
            Self::Text => validate_text(typed),
        }
    }

    fn max(self) -> usize {
        match self {
            Self::Title => TITLE_MAX_CHARS,
            Self::Text => TEXT_MAX_CHARS,
        }
    }
}

/// The dependencies every screen needs, built once an update is known to be support's
/// (`dptree::map(Ui::new::<R>)`), so the endpoints take one value instead of four: the
/// dispatcher's bot behind [`TelegramApi`] (whatever adaptors wrap it), the texts in the
/// language of the user who sent the update, and the options.
#[derive(Clone)]
pub(super) struct Ui {
    pub(super) bot: Arc<dyn TelegramApi>,
    pub(super) texts: Texts,
    pub(super) options: SupportOptions,
    /// The user's language code ([`Languages::code_of`]) and profile, reported to the support
    /// server with what the user creates.
    writer: Writer,
    /// The bot that downloads users' files to copy them ([`SupportOptions::copy_files`]);
    /// `None` when they are not copied.
    pub(super) files: Option<Bot>,
}

impl Ui {
    /// Bundles the injected dependencies; the texts are picked for the update's sender.
    #[allow(clippy::needless_pass_by_value)] // dptree injects dependencies by value
    pub(super) fn new<R>(
        bot: R,
        update: Update,
        languages: Languages,
        options: SupportOptions,
    ) -> Self
    where
        R: Requester<Err = RequestError> + Send + Sync + 'static,
    {
        let language = update.from().and_then(|user| languages.code_of(user));
        let texts = languages.pick(language.as_deref()).clone();
        let writer = match update.from() {
            Some(user) => Writer::of(user, language),
            None => Writer::language(language.as_deref()),
        };
        let files = files_bot(&bot, &options);
        Self {
            bot: Arc::new(bot),
            texts,
            options,
            writer,
            files,
        }
    }

    /// The user who writes, for the support server: language and profile.
    pub(super) fn writer(&self) -> &Writer {
        &self.writer
    }

    /// The offset in which dates and times are shown.
    pub(super) fn offset(&self) -> UtcOffset {
        self.options.offset()
    }

    /// The main menu \[B3\].
    pub(super) fn menu(&self) -> Screen {
        menu_screen(&self.texts, self.options.back_callback.as_deref())
    }

    /// Sends a screen as new message(s).
    pub(super) async fn send(&self, chat: ChatId, screen: &Screen) -> Result<(), RequestError> {
        send_screen(&*self.bot, chat, screen).await.map(drop)
    }

    /// Sends HTML text with an optional keyboard.
    pub(super) async fn send_html(
        &self,
        chat: ChatId,
        html: &str,
        keyboard: Option<&InlineKeyboardMarkup>,
    ) -> Result<(), RequestError> {
        send_html(&*self.bot, chat, html, keyboard).await.map(drop)
    }

    /// Shows a screen in place of the message whose button was pressed.
    pub(super) async fn edit(&self, press: &Press, screen: &Screen) -> Result<(), RequestError> {
        edit_screen(&*self.bot, press.chat, press.message, screen).await
    }

    /// Runs the step of a button, then answers the press: with an alert when the support server
    /// failed, else only to stop the button's spinner.
    pub(super) async fn answer_after(&self, press: &Press, step: impl Future<Output = Step>) {
        let query = &press.query;
        match step.await {
            Ok(()) => answer(&*self.bot, query, None, false).await,
            Err(Failure::Client(e)) => {
                let text = self.client_error_text(&e);
                answer(&*self.bot, query, Some(&text), true).await;
            }
            Err(Failure::Telegram(e)) => {
                // Already logged by `with_retry`; stop the button's spinner.
                tracing::debug!(error = %e, "support screen not shown");
                answer(&*self.bot, query, None, false).await;
            }
        }
    }

    /// Runs the step of a typed message; when the support server failed, the user is told in
    /// `chat` (Telegram failures are logged by `with_retry`; there is nobody else to tell).
    pub(super) async fn reply_after(&self, chat: ChatId, step: impl Future<Output = Step>) {
        if let Err(Failure::Client(e)) = step.await {
            let _ = self
                .send_html(chat, &self.client_error_text(&e), None)
                .await;
        }
    }

    /// Validates typed input for `field`. `Ok(None)` when it is refused (not text, empty or over
    /// the limit) and the user was told so, with `keyboard` under the refusal.
    pub(super) async fn accept(
        &self,
        chat: ChatId,
        typed: Option<&str>,
        field: Field,
        keyboard: Option<&InlineKeyboardMarkup>,
    ) -> Result<Option<String>, RequestError> {
        let refusal = match typed.map(|t| field.validate(t)) {
            Some(Ok(valid)) => return Ok(Some(valid)),
            None => self.texts.not_text.to_string(),
            Some(Err(e)) => self.validation_text(&e, field.max()),
        };
        self.send_html(chat, &refusal, keyboard).await?;
        Ok(None)
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

    /// Runs the step of a button, then answers the press with the step's notice (or nothing,
    /// only to stop the button's spinner); failures are answered as by [`Self::answer_after`].
    pub(super) async fn answer_with(
        &self,
        press: &Press,
        step: impl Future<Output = Result<Option<Notice>, Failure>>,
    ) {
        match step.await {
            Ok(notice) => {
                let (text, alert) = notice.map_or((None, false), |n| (Some(n.text), n.alert));
                answer(&*self.bot, &press.query, text.as_deref(), alert).await;
            }
            Err(e) => self.answer_after(press, async { Err(e) }).await,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_downloaded_by_a_plain_bot_or_the_one_the_options_name() {
        let options = SupportOptions::default();
        let plain = Bot::new("1:plain");
        assert_eq!(files_bot(&plain, &options).unwrap().token(), "1:plain");
        // Anything else (a bot wrapped in adaptors) gives out no token...
        assert!(files_bot(&"a wrapped bot", &options).is_none());
        // ...unless the options name the plain bot inside.
        let named = options.clone().files_bot(Bot::new("2:inner"));
        assert_eq!(
            files_bot(&"a wrapped bot", &named).unwrap().token(),
            "2:inner"
        );
        assert_eq!(files_bot(&plain, &named).unwrap().token(), "2:inner");
        // Off: nothing downloads.
        assert!(files_bot(&plain, &options.copy_files(false)).is_none());
    }
}
