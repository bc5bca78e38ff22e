//! [`AttachmentStore`] once for every [`SqlBackend`], and [`attach_in`]: a message's attachments
//! written in the message's own transaction.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{Attachment, AttachmentId, Message, MessageId, TelegramFile, Timestamp};

use super::SqlBackend;
use super::rows::{Column, Corrupt, db, timestamp};
use super::statement::Statement;
use crate::storage::{
    AttachmentStore, NewAttachmentRecord, StorageError, StorageResult, StoredAttachment, Uploader,
};

/// The stored form of an attachment's details: the wire form, whose `id` the row's own column
/// overrides on reading.
fn meta_json(attachment: &Attachment) -> StorageResult<String> {
    serde_json::to_string(attachment).map_err(StorageError::backend)
}

/// Reads a stored attachment list (the message's `attachments` column).
pub(super) fn parse_list(message: i64, raw: Option<String>) -> StorageResult<Vec<Attachment>> {
    match raw {
        None => Ok(Vec::new()),
        Some(raw) => serde_json::from_str(&raw).map_err(|e| {
            StorageError::backend(Corrupt(format!("message {message}: attachments: {e}")))
        }),
    }
}

/// Writes the attachments of the message just inserted on `conn` (inside the caller's
/// transaction): claims each upload (only the uploader's own, not yet sent) or inserts a new
/// row, then stores the list on the message row and on `message`. A claim that finds no such
/// upload fails the whole write with [`StorageError::UploadUnavailable`]; the caller's
/// transaction then rolls back, message included.
pub(super) async fn attach_in<B, DB>(
    conn: &mut <DB as Database>::Connection,
    message: &mut Message,
    news: Vec<NewAttachmentRecord>,
    now: Timestamp,
) -> StorageResult<()>
where
    B: SqlBackend<Db = DB>,
    DB: Database,
    for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<<DB as Database>::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
{
    if news.is_empty() {
        return Ok(());
    }
    let mut stored = Vec::with_capacity(news.len());
    for new in news {
        let mut attachment = new.attachment;
        match new.upload {
            Some(upload) => {
                attachment.id = upload;
                // `RETURNING` tells whether the row was claimed (sqlx has no dialect-free
                // `rows_affected`).
                let claimed: Option<i64> = sqlx::query_scalar(
                    "UPDATE support_attachments SET message_id = $1, meta = $2 \
                     WHERE id = $3 AND uploader = $4 AND message_id IS NULL RETURNING id",
                )
                .bind(message.id.get())
                .bind(meta_json(&attachment)?)
                .bind(upload.get())
                .bind(new.uploader.as_str().to_owned())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
                if claimed.is_none() {
                    return Err(StorageError::UploadUnavailable(upload));
                }
            }
            None => {
                let mut st = Statement::<DB>::new(
                    "INSERT INTO support_attachments \
                     (message_id, uploader, blob, meta, created_at) VALUES (",
                );
                st.push_bind(message.id.get())
                    .push(", ")
                    .push_bind(new.uploader.as_str().to_owned())
                    .push(", ")
                    .push_bind(None::<String>)
                    .push(", ")
                    .push_bind(meta_json(&attachment)?)
                    .push(", ");
                B::push_now(&mut st, now);
                st.push(") RETURNING id");
                let (sql, args) = st.finish()?;
                let id: i64 = sqlx::query_scalar_with(&sql, args)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db)?;
                attachment.id = AttachmentId::new(id);
            }
        }
        stored.push(attachment);
    }
    sqlx::query("UPDATE support_messages SET attachments = $1 WHERE id = $2")
        .bind(serde_json::to_string(&stored).map_err(StorageError::backend)?)
        .bind(message.id.get())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    message.attachments = stored;
    Ok(())
}

#[async_trait]
impl<B, DB> AttachmentStore for B
where
    B: SqlBackend<Db = DB>,
    DB: Database,
    for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<<DB as Database>::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
{
    async fn create_upload(
        &self,
        uploader: Uploader,
        mut attachment: Attachment,
        blob: String,
    ) -> StorageResult<Attachment> {
        let mut st = Statement::<DB>::new(
            "INSERT INTO support_attachments (uploader, blob, meta, created_at) VALUES (",
        );
        st.push_bind(uploader.as_str().to_owned())
            .push(", ")
            .push_bind(blob)
            .push(", ")
            .push_bind(meta_json(&attachment)?)
            .push(", ");
        B::push_now(&mut st, Timestamp::now());
        st.push(") RETURNING id");
        let (sql, args) = st.finish()?;
        let id: i64 = sqlx::query_scalar_with(&sql, args)
            .fetch_one(self.writer())
            .await
            .map_err(db)?;
        attachment.id = AttachmentId::new(id);
        Ok(attachment)
    }

    async fn get_attachment(&self, id: AttachmentId) -> StorageResult<Option<StoredAttachment>> {
        type Row = (i64, Option<i64>, String, Option<String>, String, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, message_id, uploader, blob, meta, created_at \
             FROM support_attachments WHERE id = $1",
        )
        .bind(id.get())
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        let Some((id, message, uploader, blob, meta, created_at)) = row else {
            return Ok(None);
        };
        let mut attachment: Attachment = serde_json::from_str(&meta)
            .map_err(|e| StorageError::backend(Corrupt(format!("attachment {id}: meta: {e}"))))?;
        attachment.id = AttachmentId::new(id);
        Ok(Some(StoredAttachment {
            attachment,
            blob,
            uploader: Uploader::from_stored(uploader),
            message: message.map(MessageId::new),
            created_at: timestamp(created_at)?,
        }))
    }

    async fn record_telegram_files(
        &self,
        message: MessageId,
        files: &[(AttachmentId, TelegramFile)],
    ) -> StorageResult<()> {
        if files.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let list: Option<Option<String>> =
            sqlx::query_scalar("SELECT attachments FROM support_messages WHERE id = $1")
                .bind(message.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let mut list = parse_list(message.get(), list.flatten())?;
        for attachment in &mut list {
            let Some((_, file)) = files.iter().find(|(id, _)| *id == attachment.id) else {
                continue;
            };
            attachment.telegram = Some(file.clone());
            sqlx::query(
                "UPDATE support_attachments SET meta = $1 WHERE id = $2 AND message_id = $3",
            )
            .bind(meta_json(attachment)?)
            .bind(attachment.id.get())
            .bind(message.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query("UPDATE support_messages SET attachments = $1 WHERE id = $2")
            .bind(serde_json::to_string(&list).map_err(StorageError::backend)?)
            .bind(message.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn purge_unsent(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> StorageResult<(u64, Vec<String>)> {
        let mut tx = self.begin_write().await?;
        let blobs: Vec<Option<String>> = sqlx::query_scalar(
            "DELETE FROM support_attachments WHERE id IN (SELECT id FROM support_attachments \
             WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2) \
             RETURNING blob",
        )
        .bind(before.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let purged = blobs.len() as u64;
        let mut unused = Vec::new();
        let mut candidates: Vec<String> = blobs.into_iter().flatten().collect();
        candidates.sort();
        candidates.dedup();
        for blob in candidates {
            let used: Option<i64> =
                sqlx::query_scalar("SELECT id FROM support_attachments WHERE blob = $1 LIMIT 1")
                    .bind(blob.clone())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            if used.is_none() {
                unused.push(blob);
            }
        }
        tx.commit().await.map_err(db)?;
        Ok((purged, unused))
    }
}
