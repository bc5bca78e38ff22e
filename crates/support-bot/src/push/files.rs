//! A reply with files, sent to the user's chat: each file by the Telegram `file_id` it already
//! has, or streamed from the support server and uploaded (then its new `file_id` is reported,
//! so the next send reuses it).
//!
//! The layout:
//! - one file whose kind takes a caption, and a reply screen that fits Telegram's caption limit
//!   (1,024): the file, with the screen as its caption and the ticket's button;
//! - otherwise the screen first (split as any text is, with the button), then the files without
//!   captions: pictures and videos together as albums (`sendMediaGroup`, up to 10), documents
//!   together, sounds together, anything else (a voice note, a sticker, an animation, a round
//!   video) on its own. A caption is therefore never cut, and the manager's words always come
//!   with the ticket's button.
//!
//! One attempt, as every push send: if a file fails after the text went out, the reply is
//! reported failed and the server's retry sends it whole again (the text twice, never a file
//! lost).

use support_protocol::attachment::CAPTION_MAX_UTF16;
use support_protocol::{Attachment, AttachmentKind, SentFile, TelegramFile};
use teloxide::RequestError;
use teloxide::types::{ChatId, FileId, InputFile, Message, MessageId};

use crate::client::SupportClient;
use crate::screens::Screen;
use crate::telegram::{FileKind, TelegramApi, send_html_once};

/// What was sent: Telegram's id of the first message, and the files Telegram now knows.
pub(super) struct Sent {
    pub(super) first: MessageId,
    pub(super) files: Vec<SentFile>,
}

/// A send that failed partway: the error, and the files Telegram took before it.
pub(super) struct Failed {
    pub(super) error: RequestError,
    pub(super) files: Vec<SentFile>,
}

/// Sends `screen` and the reply's files to `chat`.
pub(super) async fn send(
    bot: &dyn TelegramApi,
    client: &SupportClient,
    chat: ChatId,
    screen: &Screen,
    attachments: &[Attachment],
) -> Result<Sent, Failed> {
    let mut learned_so_far = Vec::new();
    send_all(bot, client, chat, screen, attachments, &mut learned_so_far)
        .await
        .map_err(|error| Failed {
            error,
            files: learned_so_far,
        })
}

/// [`send`], collecting in `learned_files` what Telegram learned, whatever happens later.
async fn send_all(
    bot: &dyn TelegramApi,
    client: &SupportClient,
    chat: ChatId,
    screen: &Screen,
    attachments: &[Attachment],
    learned_files: &mut Vec<SentFile>,
) -> Result<Sent, RequestError> {
    let files: Vec<&Attachment> = attachments.iter().filter(|a| sendable(a)).collect();
    if let [one] = files.as_slice()
        && kind_of(one).takes_caption()
        && screen.text.encode_utf16().count() <= CAPTION_MAX_UTF16
    {
        let input = input_file(client, one).await?;
        let message = bot
            .send_file(
                chat,
                kind_of(one),
                input,
                Some(screen.text.clone()),
                Some(screen.keyboard.clone()),
            )
            .await?;
        return Ok(Sent {
            first: message.id,
            files: learned(one, &message).into_iter().collect(),
        });
    }
    let texts = send_html_once(bot, chat, &screen.text, Some(&screen.keyboard)).await?;
    for group in groups(&files) {
        if let [one] = group.as_slice() {
            let input = input_file(client, one).await?;
            let message = bot.send_file(chat, kind_of(one), input, None, None).await?;
            learned_files.extend(learned(one, &message));
            continue;
        }
        let mut media = Vec::with_capacity(group.len());
        for attachment in &group {
            media.push((kind_of(attachment), input_file(client, attachment).await?));
        }
        let messages = bot.send_album(chat, media).await?;
        for (attachment, message) in group.iter().zip(&messages) {
            learned_files.extend(learned(attachment, message));
        }
    }
    Ok(Sent {
        first: texts.first().copied().unwrap_or(MessageId(0)),
        files: std::mem::take(learned_files),
    })
}

/// Whether the bot can send it: it has bytes somewhere (a location or a contact from a
/// manager cannot exist: managers attach uploads only).
fn sendable(attachment: &Attachment) -> bool {
    attachment.kind.has_file() && (attachment.telegram.is_some() || attachment.stored)
}

/// The Telegram method for an attachment; an unknown kind goes as a document.
fn kind_of(attachment: &Attachment) -> FileKind {
    match attachment.kind {
        AttachmentKind::Photo => FileKind::Photo,
        AttachmentKind::Video => FileKind::Video,
        AttachmentKind::Animation => FileKind::Animation,
        AttachmentKind::Voice => FileKind::Voice,
        AttachmentKind::Audio => FileKind::Audio,
        AttachmentKind::VideoNote => FileKind::VideoNote,
        AttachmentKind::Sticker => FileKind::Sticker,
        _ => FileKind::Document,
    }
}

/// The files in order, cut into runs Telegram takes as one album: pictures and videos
/// together, documents together, sounds together, at most 10 each; anything else alone.
fn groups<'a>(files: &[&'a Attachment]) -> Vec<Vec<&'a Attachment>> {
    let mut groups: Vec<Vec<&Attachment>> = Vec::new();
    for attachment in files {
        let family = kind_of(attachment).album_family();
        let joins = groups.last().is_some_and(|last| {
            family.is_some()
                && last.len() < support_protocol::MAX_ATTACHMENTS
                && kind_of(last[0]).album_family() == family
        });
        match groups.last_mut() {
            Some(last) if joins => last.push(attachment),
            _ => groups.push(vec![attachment]),
        }
    }
    groups
}

/// The file to send: Telegram's own id when it has one, or the stored bytes, streamed from
/// the support server.
async fn input_file(
    client: &SupportClient,
    attachment: &Attachment,
) -> Result<InputFile, RequestError> {
    if let Some(file) = &attachment.telegram {
        return Ok(InputFile::file_id(FileId(file.file_id.clone())));
    }
    let response = client
        .download_attachment(attachment.id)
        .await
        .map_err(|e| {
            io_error(format!(
                "the file could not be fetched from the support server: {e}"
            ))
        })?;
    use futures_util::TryStreamExt;
    let stream = response.bytes_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let name = attachment
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", attachment.kind, attachment.id));
    Ok(InputFile::read(reader).file_name(name))
}

/// A failure before Telegram was called (the server did not give the file): transient, so the
/// server retries.
fn io_error(message: String) -> RequestError {
    RequestError::Io(std::sync::Arc::new(std::io::Error::other(message)))
}

/// Telegram's ids of a file the bot uploaded (none when it was sent by `file_id` already).
fn learned(attachment: &Attachment, message: &Message) -> Option<SentFile> {
    if attachment.telegram.is_some() {
        return None;
    }
    let meta = message
        .photo()
        .and_then(|sizes| sizes.last().map(|s| &s.file))
        .or_else(|| message.document().map(|d| &d.file))
        .or_else(|| message.video().map(|v| &v.file))
        .or_else(|| message.animation().map(|a| &a.file))
        .or_else(|| message.audio().map(|a| &a.file))
        .or_else(|| message.voice().map(|v| &v.file))
        .or_else(|| message.video_note().map(|v| &v.file))
        .or_else(|| message.sticker().map(|s| &s.file))?;
    Some(SentFile {
        id: attachment.id,
        telegram: TelegramFile {
            file_id: meta.id.0.clone(),
            file_unique_id: meta.unique_id.0.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use support_protocol::AttachmentId;

    use super::*;

    fn file(id: i64, kind: AttachmentKind) -> Attachment {
        Attachment {
            stored: true,
            ..Attachment::new(AttachmentId::new(id), kind)
        }
    }

    #[test]
    fn albums_keep_order_and_telegrams_families() {
        use AttachmentKind::*;
        let files: Vec<Attachment> = [
            Photo, Video, Photo, Document, Document, Voice, Photo, Audio, Audio,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, k)| file(i as i64, k))
        .collect();
        let refs: Vec<&Attachment> = files.iter().collect();
        let ids: Vec<Vec<i64>> = groups(&refs)
            .iter()
            .map(|g| g.iter().map(|a| a.id.get()).collect())
            .collect();
        assert_eq!(
            ids,
            vec![vec![0, 1, 2], vec![3, 4], vec![5], vec![6], vec![7, 8]]
        );
        let eleven: Vec<Attachment> = (0..11).map(|i| file(i, Photo)).collect();
        let refs: Vec<&Attachment> = eleven.iter().collect();
        let sizes: Vec<usize> = groups(&refs).iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 1], "Telegram takes at most 10 per album");
    }

    #[test]
    fn only_files_with_bytes_are_sent() {
        let mut location = file(1, AttachmentKind::Location);
        location.stored = false;
        assert!(!sendable(&location));
        let mut on_telegram = file(2, AttachmentKind::Voice);
        on_telegram.stored = false;
        on_telegram.telegram = Some(TelegramFile {
            file_id: "x".into(),
            file_unique_id: String::new(),
        });
        assert!(sendable(&on_telegram));
        assert!(sendable(&file(3, AttachmentKind::Other("story".into()))));
    }
}
