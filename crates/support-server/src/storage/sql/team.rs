//! [`TeamStore`] once for every [`SqlBackend`]: notes with their authors (read by a join, so a
//! renamed manager shows renamed), canned replies by title.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{CannedReply, ManagerId, Note, TicketId, Timestamp};

use super::SqlBackend;
use super::queries::Queries;
use super::rows::{Column, count, db, manager_of, timestamp};
use crate::storage::{NOTES_PER_TICKET, StorageError, StorageResult, TeamStore};

/// A note with its author's columns (`NULL` when the manager is gone).
type NoteRow = (
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const NOTE_SELECT: &str = "SELECT n.id, n.ticket_id, n.created_at, n.text, a.id, a.username, \
     a.first_name, a.last_name FROM support_notes n \
     LEFT JOIN support_managers a ON a.id = n.manager_id";

fn note(row: NoteRow) -> StorageResult<Note> {
    let (id, ticket, created_at, text, manager, username, first, last) = row;
    let manager = manager_of(manager, username, first, last);
    Ok(Note {
        id,
        ticket: TicketId::new(ticket),
        created_at: timestamp(created_at)?,
        text,
        manager,
    })
}

fn canned(row: (i64, String, String, i64)) -> StorageResult<CannedReply> {
    Ok(CannedReply {
        id: row.0,
        title: row.1,
        text: row.2,
        updated_at: timestamp(row.3)?,
    })
}

#[async_trait]
impl<B, DB> TeamStore for B
where
    B: SqlBackend<Db = DB>,
    DB: Database,
    for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'a> &'a str: ColumnIndex<<DB as Database>::Row>,
    usize: ColumnIndex<<DB as Database>::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<bool>: Column<DB>,
    Option<String>: Column<DB>,
{
    async fn create_note(
        &self,
        ticket: TicketId,
        manager: ManagerId,
        text: String,
    ) -> StorageResult<Note> {
        let mut tx = self.begin_write().await?;
        if !Queries::<B>::ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_notes (ticket_id, manager_id, created_at, text) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(ticket.get())
        .bind(manager.get())
        .bind(Timestamp::now().unix_micros())
        .bind(text)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let row: NoteRow = sqlx::query_as(&format!("{NOTE_SELECT} WHERE n.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        note(row)
    }

    async fn list_notes(&self, ticket: TicketId) -> StorageResult<Vec<Note>> {
        let mut tx = self.begin_snapshot().await?;
        if !Queries::<B>::ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let rows: Vec<NoteRow> = sqlx::query_as(&format!(
            "{NOTE_SELECT} WHERE n.ticket_id = $1 ORDER BY n.id DESC LIMIT $2"
        ))
        .bind(ticket.get())
        .bind(i64::from(NOTES_PER_TICKET))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows.into_iter().rev().map(note).collect()
    }

    async fn list_canned(&self) -> StorageResult<Vec<CannedReply>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, title, text, updated_at FROM support_canned ORDER BY title, id",
        )
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        rows.into_iter().map(canned).collect()
    }

    async fn create_canned(&self, title: String, text: String) -> StorageResult<CannedReply> {
        let row: (i64, String, String, i64) = sqlx::query_as(
            "INSERT INTO support_canned (title, text, updated_at) VALUES ($1, $2, $3) \
             RETURNING id, title, text, updated_at",
        )
        .bind(title)
        .bind(text)
        .bind(Timestamp::now().unix_micros())
        .fetch_one(self.writer())
        .await
        .map_err(db)?;
        canned(row)
    }

    async fn update_canned(
        &self,
        id: i64,
        title: Option<String>,
        text: Option<String>,
    ) -> StorageResult<Option<CannedReply>> {
        let row: Option<(i64, String, String, i64)> = sqlx::query_as(
            "UPDATE support_canned SET title = COALESCE($1, title), text = COALESCE($2, text), \
             updated_at = $3 WHERE id = $4 RETURNING id, title, text, updated_at",
        )
        .bind(title)
        .bind(text)
        .bind(Timestamp::now().unix_micros())
        .bind(id)
        .fetch_optional(self.writer())
        .await
        .map_err(db)?;
        row.map(canned).transpose()
    }

    async fn delete_canned(&self, id: i64) -> StorageResult<bool> {
        let deleted: Option<i64> =
            sqlx::query_scalar("DELETE FROM support_canned WHERE id = $1 RETURNING id")
                .bind(id)
                .fetch_optional(self.writer())
                .await
                .map_err(db)?;
        Ok(deleted.is_some())
    }

    async fn count_canned(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_canned")
            .fetch_one(self.reader())
            .await
            .map_err(db)?;
        Ok(count(n))
    }
}
