//! [`AttachmentStore`] in memory: the attachment rows, and a message's attachments written with
//! it under the one lock.

use async_trait::async_trait;
use support_protocol::{Attachment, AttachmentId, MessageId, TelegramFile, Timestamp};

use super::{MemoryStorage, State};
use crate::storage::{
    AttachmentStore, NewAttachmentRecord, StorageError, StorageResult, StoredAttachment, Uploader,
};

/// One attachment.
#[derive(Debug, Clone)]
pub(super) struct AttachmentRow {
    attachment: Attachment,
    blob: Option<String>,
    uploader: Uploader,
    message: Option<MessageId>,
    created_at: Timestamp,
}

impl State {
    /// Fails as the SQL backends do when an upload to claim is absent, another uploader's or
    /// already in a message; checked before anything is written, so a failed write leaves
    /// nothing behind.
    pub(super) fn check_claims(&self, news: &[NewAttachmentRecord]) -> StorageResult<()> {
        for (i, new) in news.iter().enumerate() {
            let Some(upload) = new.upload else { continue };
            let available = self
                .attachments
                .get(&upload)
                .is_some_and(|row| row.message.is_none() && row.uploader == new.uploader);
            // The same upload twice in one message is a second claim of a claimed upload.
            let repeated = news[..i].iter().any(|n| n.upload == Some(upload));
            if !available || repeated {
                return Err(StorageError::UploadUnavailable(upload));
            }
        }
        Ok(())
    }

    /// Claims or creates the rows of `message`'s attachments (after [`State::check_claims`]).
    pub(super) fn attach(
        &mut self,
        message: MessageId,
        news: Vec<NewAttachmentRecord>,
        now: Timestamp,
    ) -> Vec<Attachment> {
        news.into_iter()
            .map(|new| {
                let mut attachment = new.attachment;
                match new.upload.and_then(|id| self.attachments.get_mut(&id)) {
                    Some(row) => {
                        attachment.id = row.attachment.id;
                        row.attachment = attachment.clone();
                        row.message = Some(message);
                    }
                    None => {
                        self.next_attachment += 1;
                        attachment.id = AttachmentId::new(self.next_attachment);
                        self.attachments.insert(
                            attachment.id,
                            AttachmentRow {
                                attachment: attachment.clone(),
                                blob: None,
                                uploader: new.uploader,
                                message: Some(message),
                                created_at: now,
                            },
                        );
                    }
                }
                attachment
            })
            .collect()
    }
}

#[async_trait]
impl AttachmentStore for MemoryStorage {
    async fn create_upload(
        &self,
        uploader: Uploader,
        mut attachment: Attachment,
        blob: String,
    ) -> StorageResult<Attachment> {
        let mut state = self.lock();
        state.next_attachment += 1;
        attachment.id = AttachmentId::new(state.next_attachment);
        state.attachments.insert(
            attachment.id,
            AttachmentRow {
                attachment: attachment.clone(),
                blob: Some(blob),
                uploader,
                message: None,
                created_at: Timestamp::now(),
            },
        );
        Ok(attachment)
    }

    async fn get_attachment(&self, id: AttachmentId) -> StorageResult<Option<StoredAttachment>> {
        Ok(self
            .lock()
            .attachments
            .get(&id)
            .map(|row| StoredAttachment {
                attachment: row.attachment.clone(),
                blob: row.blob.clone(),
                uploader: row.uploader.clone(),
                message: row.message,
                created_at: row.created_at,
            }))
    }

    async fn record_telegram_files(
        &self,
        message: MessageId,
        files: &[(AttachmentId, TelegramFile)],
    ) -> StorageResult<()> {
        let mut state = self.lock();
        for (id, file) in files {
            let Some(row) = state
                .attachments
                .get_mut(id)
                .filter(|r| r.message == Some(message))
            else {
                continue;
            };
            row.attachment.telegram = Some(file.clone());
            let updated = row.attachment.clone();
            if let Some(m) = state.messages.get_mut(&message)
                && let Some(a) = m.attachments.iter_mut().find(|a| a.id == *id)
            {
                *a = updated;
            }
        }
        Ok(())
    }

    async fn purge_unsent(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> StorageResult<(u64, Vec<String>)> {
        let mut state = self.lock();
        let mut old: Vec<(Timestamp, AttachmentId)> = state
            .attachments
            .values()
            .filter(|row| row.message.is_none() && row.created_at < before)
            .map(|row| (row.created_at, row.attachment.id))
            .collect();
        old.sort();
        old.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let purged = old.len() as u64;
        let mut candidates: Vec<String> = old
            .iter()
            .filter_map(|(_, id)| state.attachments.remove(id))
            .filter_map(|row| row.blob)
            .collect();
        candidates.sort();
        candidates.dedup();
        candidates.retain(|blob| {
            !state
                .attachments
                .values()
                .any(|row| row.blob.as_deref() == Some(blob))
        });
        Ok((purged, candidates))
    }
}
