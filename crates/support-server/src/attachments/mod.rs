//! Attachments (extension, SPEC-NOTES "Attachments"): files, locations and contacts in
//! messages, both ways.
//!
//! | route | what |
//! |---|---|
//! | `POST {mount}/attachments/` | an upload, `multipart/form-data` with a `file` part (and an optional `kind`): streamed into the [`BlobStore`](crate::blob::BlobStore), answered `201` with the [`Attachment`](support_protocol::Attachment), in no message yet |
//! | `GET {mount}/attachments/{id}/` | the bytes, with headers that keep them from running as a page |
//!
//! A file only Telegram holds (the bot did not copy it) is fetched through the Bot API when the
//! server has the bot's token (feature `telegram-files`, [`telegram`]), streamed through.
//!
//! A message names its uploads in `attachments` (REST `POST .../messages/`, the websocket's
//! `ticket.message.new`, and a new ticket's first message); `input.rs` checks and completes them.
//! Only the uploader may send an upload, once; an upload never sent is deleted after
//! [`AttachmentLimits::unsent_ttl`] (`purge.rs`, [`SupportServer::spawn_upload_purge`](crate::SupportServer::spawn_upload_purge)).
//!
//! Bounds: one file at most [`AttachmentLimits::max_bytes`] (default 20 MiB, what Telegram lets
//! a bot download), at most [`AttachmentLimits::concurrent_uploads`] uploads at once per
//! instance (more wait up to a few seconds, then get 503), the multipart body's other parts a
//! few bytes each. A file is never a whole body in memory: it streams from the socket to the
//! store, and only its first bytes are kept to tell its type (`sniff.rs`).

pub(crate) mod download;
pub(crate) mod input;
pub(crate) mod purge;
pub(crate) mod sniff;
#[cfg(feature = "telegram-files")]
#[cfg_attr(docsrs, doc(cfg(feature = "telegram-files")))]
pub mod telegram;
pub(crate) mod upload;

use std::time::Duration;

/// The default [`AttachmentLimits::max_bytes`]: 20 MiB, the largest file Telegram lets a bot
/// download, so every user file can be copied and every stored file sent.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// How big, how many and how long for attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Uploads streaming at once on one instance; more wait for a turn (up to
    /// [`AttachmentLimits::queue_wait`]), then are refused with 503.
    pub concurrent_uploads: usize,
    /// How long an upload waits for a turn.
    pub queue_wait: Duration,
    /// How long an upload that no message claimed is kept.
    pub unsent_ttl: Duration,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            concurrent_uploads: 32,
            queue_wait: Duration::from_secs(10),
            unsent_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}
