//! What a user sends to support besides text (issue 16): photos, documents, videos, GIFs, voice
//! and video notes, music, stickers, locations and contacts become attachments of a ticket
//! message, the caption its text.
//!
//! The way from a Telegram message to a stored attachment:
//!
//! 1. [`describe`]: the message's file as Telegram describes it (kind, `file_id`, type, size,
//!    name, picture size, duration; the largest size of a photo), or its location or contact.
//!    Nothing is downloaded; this alone is a complete attachment, since the server keeps the
//!    `file_id` and the bot can send the file again by it.
//! 2. [`copy`]: with [`SupportOptions::copy_files`](crate::SupportOptions::copy_files) (the
//!    default), each file is also copied into the server's blob store, so a manager sees it in
//!    the console and it outlives Telegram's copy: `getFile`, then the download streamed
//!    straight into `POST attachments/`. A file Telegram will not hand out (over 20 MB), a
//!    download or upload that fails halfway: the attachment stays described, with a warning in
//!    the log. The user's message is never dropped for a copy.
//! 3. [`album`]: the parts of an album (one `media_group_id`) arrive as separate messages within
//!    about a second; they are held briefly and sent as one message with several attachments.
//!
//! The endpoints that use this are in `handler/media.rs`.

pub(crate) mod album;
pub(crate) mod copy;
pub(crate) mod describe;

use std::fmt;

use teloxide::Bot;

/// The plain [`Bot`] that downloads users' files when they are copied to the server
/// ([`SupportOptions::files_bot`](crate::SupportOptions::files_bot)): a download needs the bot's
/// token and API address, which teloxide's adaptors (`Throttle`, `Trace`, ...) do not give out.
/// A dispatcher whose bot is a plain `Bot` needs none.
///
/// Shown without its token; two are equal when they have the same token and API address.
#[derive(Clone)]
pub struct FilesBot(pub(crate) Bot);

impl FilesBot {
    /// Downloads with `bot`.
    pub fn new(bot: Bot) -> Self {
        Self(bot)
    }
}

impl fmt::Debug for FilesBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilesBot")
            .field("api_url", &self.0.api_url().as_str())
            .finish_non_exhaustive()
    }
}

impl PartialEq for FilesBot {
    fn eq(&self, other: &Self) -> bool {
        self.0.token() == other.0.token() && self.0.api_url() == other.0.api_url()
    }
}

impl Eq for FilesBot {}
