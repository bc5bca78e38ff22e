//! [`AttachmentStore`]: the attachments of messages — uploads waiting for a message, and where
//! each attachment's bytes are.
//!
//! An attachment is made in one of two ways:
//! - an upload ([`AttachmentStore::create_upload`]): its bytes are already in the blob store,
//!   and it waits, owned by its [`Uploader`], until a message of that uploader claims it (a
//!   [`NewAttachmentRecord`] with `upload`), in the same transaction as the message;
//! - with its message: a file only Telegram holds, a location, a contact.
//!
//! A message's attachments are stored with the message too, as they go on the wire, so every
//! read of messages returns them without another query.

use std::fmt;

use async_trait::async_trait;
use support_protocol::{Attachment, AttachmentId, ManagerId, MessageId, TelegramFile, Timestamp};

use super::StorageResult;

/// Who uploaded an attachment: only they may put it in a message (a manager cannot send
/// another manager's upload, nor the bot a manager's).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Uploader(String);

impl Uploader {
    /// The bot (every bot connection shares one identity, as it shares the bot token).
    pub fn bot() -> Self {
        Self("bot".to_owned())
    }

    /// A manager.
    pub fn manager(id: ManagerId) -> Self {
        Self(format!("manager:{id}"))
    }

    /// The stored form (`bot`, `manager:<id>`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads the stored form.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

impl fmt::Debug for Uploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attachment of a message being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachmentRecord {
    /// Claim this upload: it must exist, belong to [`NewAttachmentRecord::uploader`] and be in
    /// no message yet, or the whole write fails with
    /// [`StorageError::UploadUnavailable`](super::StorageError::UploadUnavailable). `None`: a
    /// new attachment with no bytes in the blob store.
    pub upload: Option<AttachmentId>,
    /// Who writes the message.
    pub uploader: Uploader,
    /// The attachment as it is to be stored; its `id` is ignored (the storage sets it: the
    /// upload's, or a new one).
    pub attachment: Attachment,
}

/// An attachment as stored, with where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// The wire form.
    pub attachment: Attachment,
    /// The content address of its bytes in the blob store (`sha256:<hex>`), if they are there.
    pub blob: Option<String>,
    /// Who made it.
    pub uploader: Uploader,
    /// The message carrying it; `None` for an upload not sent yet.
    pub message: Option<MessageId>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// Attachments. Object safe; part of every [`Storage`](super::Storage).
#[async_trait]
pub trait AttachmentStore: Send + Sync + 'static {
    /// Records an upload whose bytes are in the blob store at `blob`, in no message yet, and
    /// returns it with its new id.
    async fn create_upload(
        &self,
        uploader: Uploader,
        attachment: Attachment,
        blob: String,
    ) -> StorageResult<Attachment>;

    /// One attachment, sent or not.
    async fn get_attachment(&self, id: AttachmentId) -> StorageResult<Option<StoredAttachment>>;

    /// Records Telegram's ids of a sent message's files (the bot uploaded them): on each
    /// attachment and in the message's list, so the next send reuses them. Ids that are not
    /// that message's attachments are ignored.
    async fn record_telegram_files(
        &self,
        message: MessageId,
        files: &[(AttachmentId, TelegramFile)],
    ) -> StorageResult<()>;

    /// Deletes up to `limit` uploads never sent and made before `before`, and returns how many
    /// it deleted and the blobs (content addresses) that no attachment uses any more, for the
    /// caller to delete from the blob store.
    async fn purge_unsent(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> StorageResult<(u64, Vec<String>)>;
}
