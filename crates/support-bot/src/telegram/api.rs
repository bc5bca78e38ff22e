//! [`TelegramApi`]: the few Telegram Bot API calls the support part makes, behind an object-safe
//! trait, so the handler and push work with whatever requester the host's dispatcher has
//! (`Bot`, `Throttle<Bot>`, `DefaultParseMode<Bot>`, `CacheMe<Bot>`, `Trace<Bot>`, stacks of
//! them) without being generic all the way down.
//!
//! Why not teloxide's own `ErasedRequester`: it is neither `Send` nor `Sync`, so it cannot be held
//! across an `.await` in a dptree endpoint (the endpoints' futures must be `Send`). Every
//! teloxide `Request::Send` future is `Send` already, so a blanket impl over
//! `R: Requester<Err = RequestError> + Send + Sync + 'static` covers every adaptor.
//!
//! Each method is one raw attempt: the retry and split policies are in the parent module, so
//! they are the same for every requester.

use std::future::Future;
use std::pin::Pin;

use teloxide::RequestError;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageTextSetters, SendAnimationSetters, SendAudioSetters,
    SendDocumentSetters, SendMessageSetters, SendPhotoSetters, SendStickerSetters,
    SendVideoNoteSetters, SendVideoSetters, SendVoiceSetters,
};
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaAudio,
    InputMediaDocument, InputMediaPhoto, InputMediaVideo, Message, MessageId, ParseMode,
};

/// A boxed, `Send` future of one Telegram call.
pub(crate) type ApiFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, RequestError>> + Send + 'a>>;

/// The raw Telegram calls the support part makes. Texts are always sent with
/// `parse_mode: HTML` set explicitly, so an adaptor's default parse mode (`DefaultParseMode`)
/// does not apply to them: it only fills in a parse mode a request does not have.
pub(crate) trait TelegramApi: Send + Sync {
    /// `sendMessage` with HTML and an optional inline keyboard; the message Telegram stored.
    fn send_html(
        &self,
        chat: ChatId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> ApiFuture<'_, Message>;

    /// `editMessageText` with HTML and an inline keyboard.
    fn edit_html(
        &self,
        chat: ChatId,
        message: MessageId,
        html: String,
        keyboard: InlineKeyboardMarkup,
    ) -> ApiFuture<'_, ()>;

    /// `answerCallbackQuery`, with a text (an alert when `alert`) or without.
    fn answer_callback(
        &self,
        query: CallbackQueryId,
        text: Option<String>,
        alert: bool,
    ) -> ApiFuture<'_, ()>;

    /// `deleteMessage`.
    fn delete_message(&self, chat: ChatId, message: MessageId) -> ApiFuture<'_, ()>;

    /// `editMessageReplyMarkup` without a markup: takes a message's buttons away.
    fn remove_keyboard(&self, chat: ChatId, message: MessageId) -> ApiFuture<'_, ()>;

    /// `sendChatAction` `typing`: "typing…" in the chat for a few seconds.
    fn send_typing(&self, chat: ChatId) -> ApiFuture<'_, ()>;

    /// `sendPhoto`, `sendDocument`, ... (by `kind`) with an optional HTML caption (ignored by
    /// the kinds that take none) and keyboard.
    fn send_file(
        &self,
        chat: ChatId,
        kind: FileKind,
        file: InputFile,
        caption: Option<String>,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> ApiFuture<'_, Message>;

    /// `sendMediaGroup`: 2–10 files of one [`FileKind::album_family`], no captions.
    fn send_album(
        &self,
        chat: ChatId,
        files: Vec<(FileKind, InputFile)>,
    ) -> ApiFuture<'_, Vec<Message>>;
}

/// How a file is sent to Telegram: its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `sendPhoto`.
    Photo,
    /// `sendDocument`.
    Document,
    /// `sendVideo`.
    Video,
    /// `sendAnimation`.
    Animation,
    /// `sendAudio`.
    Audio,
    /// `sendVoice`.
    Voice,
    /// `sendVideoNote` (no caption).
    VideoNote,
    /// `sendSticker` (no caption).
    Sticker,
}

impl FileKind {
    /// Whether Telegram shows a caption with it.
    pub(crate) fn takes_caption(self) -> bool {
        !matches!(self, Self::VideoNote | Self::Sticker)
    }

    /// Which files Telegram takes together in one album: pictures with videos, documents with
    /// documents, sounds with sounds; `None` for the kinds no album holds.
    pub(crate) fn album_family(self) -> Option<u8> {
        match self {
            Self::Photo | Self::Video => Some(0),
            Self::Document => Some(1),
            Self::Audio => Some(2),
            _ => None,
        }
    }
}

/// Every teloxide requester whose error is teloxide's own. `Request::Send` is `Send` by
/// teloxide's definition, and `'static` follows from `R: 'static`.
impl<R> TelegramApi for R
where
    R: Requester<Err = RequestError> + Send + Sync + 'static,
{
    fn send_html(
        &self,
        chat: ChatId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> ApiFuture<'_, Message> {
        let mut request = self.send_message(chat, html).parse_mode(ParseMode::Html);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        Box::pin(request.send())
    }

    fn edit_html(
        &self,
        chat: ChatId,
        message: MessageId,
        html: String,
        keyboard: InlineKeyboardMarkup,
    ) -> ApiFuture<'_, ()> {
        let request = self
            .edit_message_text(chat, message, html)
            .parse_mode(ParseMode::Html)
            .reply_markup(keyboard);
        let sent = request.send();
        Box::pin(async move { sent.await.map(drop) })
    }

    fn answer_callback(
        &self,
        query: CallbackQueryId,
        text: Option<String>,
        alert: bool,
    ) -> ApiFuture<'_, ()> {
        let mut request = self.answer_callback_query(query);
        if let Some(text) = text {
            request = request.text(text).show_alert(alert);
        }
        let sent = request.send();
        Box::pin(async move { sent.await.map(drop) })
    }

    fn delete_message(&self, chat: ChatId, message: MessageId) -> ApiFuture<'_, ()> {
        let sent = Requester::delete_message(self, chat, message).send();
        Box::pin(async move { sent.await.map(drop) })
    }

    fn remove_keyboard(&self, chat: ChatId, message: MessageId) -> ApiFuture<'_, ()> {
        let sent = self.edit_message_reply_markup(chat, message).send();
        Box::pin(async move { sent.await.map(drop) })
    }

    fn send_typing(&self, chat: ChatId) -> ApiFuture<'_, ()> {
        let sent = self
            .send_chat_action(chat, teloxide::types::ChatAction::Typing)
            .send();
        Box::pin(async move { sent.await.map(drop) })
    }

    fn send_file(
        &self,
        chat: ChatId,
        kind: FileKind,
        file: InputFile,
        caption: Option<String>,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> ApiFuture<'_, Message> {
        // One macro arm per method: the payloads share setter names, not a trait.
        macro_rules! with_caption {
            ($request:expr) => {{
                let mut request = $request;
                if let Some(caption) = caption {
                    request = request.caption(caption).parse_mode(ParseMode::Html);
                }
                if let Some(keyboard) = keyboard {
                    request = request.reply_markup(keyboard);
                }
                Box::pin(request.send())
            }};
        }
        macro_rules! without_caption {
            ($request:expr) => {{
                let mut request = $request;
                if let Some(keyboard) = keyboard {
                    request = request.reply_markup(keyboard);
                }
                Box::pin(request.send())
            }};
        }
        match kind {
            FileKind::Photo => with_caption!(self.send_photo(chat, file)),
            FileKind::Document => with_caption!(self.send_document(chat, file)),
            FileKind::Video => with_caption!(self.send_video(chat, file)),
            FileKind::Animation => with_caption!(self.send_animation(chat, file)),
            FileKind::Audio => with_caption!(self.send_audio(chat, file)),
            FileKind::Voice => with_caption!(self.send_voice(chat, file)),
            FileKind::VideoNote => without_caption!(self.send_video_note(chat, file)),
            FileKind::Sticker => without_caption!(self.send_sticker(chat, file)),
        }
    }

    fn send_album(
        &self,
        chat: ChatId,
        files: Vec<(FileKind, InputFile)>,
    ) -> ApiFuture<'_, Vec<Message>> {
        let media: Vec<InputMedia> = files
            .into_iter()
            .map(|(kind, file)| match kind {
                FileKind::Photo => InputMedia::Photo(InputMediaPhoto::new(file)),
                FileKind::Video => InputMedia::Video(InputMediaVideo::new(file)),
                FileKind::Audio => InputMedia::Audio(InputMediaAudio::new(file)),
                _ => InputMedia::Document(InputMediaDocument::new(file)),
            })
            .collect();
        Box::pin(self.send_media_group(chat, media).send())
    }
}
