//! [`TicketStore`] once for every [`SqlBackend`].

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{
    ManagerId, Message, MessageId, Sender, TelegramId, Ticket, TicketId, Timestamp,
};

use crate::storage::ManagerStore;

use super::SqlBackend;
use super::queries::Queries;
use super::rows::{
    Column, DeliveredRow, MESSAGE_SELECT, TicketRow, clamp, count, db, ticket_select,
};
use super::statement::Statement;
use crate::storage::{
    AssignOutcome, NewMessageRecord, NewTicketRecord, StorageError, StorageResult, TicketChanges,
    TicketQuery, TicketStore, WrittenMessage,
};

#[async_trait]
impl<B, DB> TicketStore for B
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
    async fn register_user(&self, user: TelegramId) -> StorageResult<()> {
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(user.get())
            .execute(self.writer())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn user_exists(&self, user: TelegramId) -> StorageResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT telegram_id FROM support_users WHERE telegram_id = $1")
                .bind(user.get())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
        Ok(found.is_some())
    }

    async fn create_ticket(
        &self,
        new: NewTicketRecord,
    ) -> StorageResult<(Ticket, Option<Message>)> {
        let mut tx = self.begin_write().await?;
        // Read inside the write transaction, so created_at never decreases as ids increase.
        let now = Timestamp::now();
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(new.user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut st = Statement::<DB>::new(
            "INSERT INTO support_tickets (user_id, title, resolved, created_at) VALUES (",
        );
        st.push_bind(new.user_id.get())
            .push(", ")
            .push_bind(new.title)
            .push(", ")
            .push_bind(new.resolved)
            .push(", ");
        B::push_now(&mut st, now);
        st.push(") RETURNING id");
        let (sql, args) = st.finish()?;
        let id: i64 = sqlx::query_scalar_with(&sql, args)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let id = TicketId::new(id);
        let message = match new.first_message {
            Some(text) => Some(
                Queries::<B>::insert_message_in(
                    &mut tx,
                    NewMessageRecord::first_of(id, text, new.first_attachments),
                    now,
                )
                .await?,
            ),
            None => None,
        };
        let ticket = Queries::<B>::ticket(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok((ticket, message))
    }

    async fn get_ticket(&self, id: TicketId) -> StorageResult<Option<Ticket>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        Queries::<B>::fetch_ticket(&mut conn, id).await
    }

    async fn ticket_manager(&self, id: TicketId) -> StorageResult<Option<Option<ManagerId>>> {
        // Not `get_ticket`: one column of one row, on every message POST.
        let row: Option<Option<i64>> =
            sqlx::query_scalar("SELECT support_manager_id FROM support_tickets WHERE id = $1")
                .bind(id.get())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
        Ok(row.map(|m| m.map(ManagerId::new)))
    }

    async fn list_tickets(&self, query: &TicketQuery) -> StorageResult<(Vec<Ticket>, u64)> {
        let mut tx = self.begin_snapshot().await?;
        let mut st = Statement::<DB>::new("SELECT COUNT(*) FROM support_tickets t");
        Queries::<B>::push_filters(&mut st, query);
        let (sql, args) = st.finish()?;
        let total: i64 = sqlx::query_scalar_with(&sql, args)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;

        let mut st = Statement::<DB>::new(&ticket_select::<B>());
        Queries::<B>::push_filters(&mut st, query);
        // No limit is the largest one: both databases take a BIGINT here.
        st.push(Queries::<B>::order_by(query.order))
            .push(" LIMIT ")
            .push_bind(query.limit.map_or(i64::MAX, clamp))
            .push(" OFFSET ")
            .push_bind(clamp(query.offset));
        let (sql, args) = st.finish()?;
        let rows: Vec<TicketRow> = sqlx::query_as_with(&sql, args)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let tickets = rows
            .into_iter()
            .map(TicketRow::into_ticket)
            .collect::<StorageResult<_>>()?;
        Ok((tickets, count(total)))
    }

    async fn update_ticket(&self, id: TicketId, changes: TicketChanges) -> StorageResult<Ticket> {
        let mut tx = self.begin_write().await?;
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE support_tickets SET title = COALESCE($1, title), \
             resolved = COALESCE($2, resolved), viewed_mark = COALESCE($3, viewed_mark) \
             WHERE id = $4 RETURNING id",
        )
        .bind(changes.title)
        .bind(changes.resolved)
        .bind(changes.viewed)
        .bind(id.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if updated.is_none() {
            return Err(StorageError::TicketNotFound(id));
        }
        if changes.viewed == Some(true) {
            // Viewing the ticket views its messages: `unread_count` drops to 0 with it.
            sqlx::query(
                "UPDATE support_messages SET viewed = $1 WHERE ticket_id = $2 \
                 AND sender = 'user' AND NOT viewed",
            )
            .bind(true)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let ticket = Queries::<B>::ticket(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(ticket)
    }

    async fn assign_ticket(
        &self,
        id: TicketId,
        manager: ManagerId,
        force: bool,
    ) -> StorageResult<AssignOutcome> {
        let mut tx = self.begin_write().await?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM support_managers WHERE id = $1")
                .bind(manager.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if known.is_none() {
            return Err(StorageError::ManagerNotFound(manager));
        }
        // Atomic: the holder is read under the row lock (Postgres) or the database's write lock
        // (SQLite), so no other assignment (nor a message insert, which takes the same row lock)
        // runs between this read and the update, and `previous` is the real previous holder.
        let holder: Option<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT support_manager_id FROM support_tickets WHERE id = $1{}",
            B::LOCK_ROW
        ))
        .bind(id.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let previous = holder
            .ok_or(StorageError::TicketNotFound(id))?
            .map(ManagerId::new);
        let free = previous.is_none_or(|holder| holder == manager);
        if free || force {
            sqlx::query("UPDATE support_tickets SET support_manager_id = $1 WHERE id = $2")
                .bind(manager.get())
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let ticket = Queries::<B>::ticket(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(if free || force {
            AssignOutcome::Assigned { ticket, previous }
        } else {
            AssignOutcome::AlreadyAssigned { ticket }
        })
    }

    async fn create_message(&self, new: NewMessageRecord) -> StorageResult<Message> {
        Ok(self.create_message_with_manager(new).await?.message)
    }

    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<WrittenMessage> {
        let author = new.manager.filter(|_| new.sender == Sender::Supp);
        let mut written = self.insert_message(new).await?;
        // A reply comes back with its author, as every read shows it: one primary-key read,
        // for the few messages managers write (the inserts return no joined columns).
        if let Some(author) = author {
            written.message.manager = ManagerStore::manager(self, author)
                .await?
                .map(|m| m.public());
        }
        Ok(written)
    }

    async fn last_messages(&self, tickets: &[TicketId]) -> StorageResult<Vec<Message>> {
        // One query per 500 tickets (a page is one; an unpaged list of every ticket stays far
        // below SQLite's bound on arguments): each ticket's newest message by the
        // (ticket_id, id) index, then the usual joins for those rows only.
        let mut found = Vec::with_capacity(tickets.len());
        for chunk in tickets.chunks(500) {
            let mut st = Statement::<B::Db>::new(MESSAGE_SELECT);
            st.push(
                " WHERE m.id IN (SELECT (SELECT n.id FROM support_messages n \
                 WHERE n.ticket_id = t.id ORDER BY n.id DESC LIMIT 1) \
                 FROM support_tickets t WHERE t.id IN (",
            );
            for (i, ticket) in chunk.iter().enumerate() {
                if i > 0 {
                    st.push(", ");
                }
                st.push_bind(ticket.get());
            }
            st.push("))");
            let (sql, args) = st.finish()?;
            let rows: Vec<DeliveredRow> = sqlx::query_as_with(&sql, args)
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
            for row in rows {
                found.push(row.into_message()?);
            }
        }
        Ok(found)
    }

    async fn list_messages(
        &self,
        ticket: TicketId,
        limit: Option<u64>,
        offset: u64,
    ) -> StorageResult<(Vec<Message>, u64)> {
        let mut tx = self.begin_snapshot().await?;
        if !Queries::<B>::ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM support_messages WHERE ticket_id = $1")
                .bind(ticket.get())
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        // Ids increase with time, so id order is creation order (the memory backend's order).
        let rows: Vec<DeliveredRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.ticket_id = $1 ORDER BY m.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(ticket.get())
        .bind(limit.map_or(i64::MAX, clamp))
        .bind(clamp(offset))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let messages = rows
            .into_iter()
            .map(DeliveredRow::into_message)
            .collect::<StorageResult<_>>()?;
        Ok((messages, count(total)))
    }

    async fn mark_viewed(&self, ticket: TicketId, message: MessageId) -> StorageResult<Message> {
        let mut tx = self.begin_write().await?;
        if !Queries::<B>::ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE support_messages SET viewed = $1 WHERE id = $2 AND ticket_id = $3 \
             RETURNING id",
        )
        .bind(true)
        .bind(message.get())
        .bind(ticket.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if updated.is_none() {
            return Err(StorageError::MessageNotFound(message));
        }
        // A manager has looked at the ticket: with its last unread message viewed, so is it.
        sqlx::query(
            "UPDATE support_tickets SET viewed_mark = $1 WHERE id = $2 AND NOT viewed_mark",
        )
        .bind(true)
        .bind(ticket.get())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Read back with its delivery, so the event shows the whole message.
        let row: DeliveredRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
            .bind(message.get())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        row.into_message()
    }

    async fn replies_after(&self, after: MessageId, limit: u32) -> StorageResult<Vec<Message>> {
        // Replies commit in id order (see `insert_message`), so a cursor never skips one.
        let rows: Vec<DeliveredRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.sender = 'supp' AND m.id > $1 ORDER BY m.id LIMIT $2"
        ))
        .bind(after.get())
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        rows.into_iter().map(DeliveredRow::into_message).collect()
    }

    async fn last_reply_id(&self) -> StorageResult<MessageId> {
        let id: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(id), 0) FROM support_messages WHERE sender = 'supp'",
        )
        .fetch_one(self.reader())
        .await
        .map_err(db)?;
        Ok(MessageId::new(id))
    }
}
