//! The statements several storage methods share, written once for both databases.
//!
//! Generic code over a sqlx database needs the database's capabilities spelled out as bounds,
//! and Rust does not carry a trait's `where` clauses to its users, so these are restated, in
//! this order, on every generic item of the SQL layer ([`Queries`], the `TicketStore` and
//! `ManagerStore` impls, `migrate`). sqlx encodes `Option<T>` per database, hence the
//! `Option` lines; [`Column`] (in `rows.rs`) names what a column type must do:
//!
//! ```text
//! for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
//! for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
//! for<'a> &'a str: ColumnIndex<<DB as Database>::Row>,
//! usize: ColumnIndex<<DB as Database>::Row>,
//! i64: Column<DB>, bool: Column<DB>, String: Column<DB>,
//! Option<i64>: Column<DB>, Option<bool>: Column<DB>, Option<String>: Column<DB>,
//! ```

use std::marker::PhantomData;

use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{ManagerId, Message, Ticket, TicketId, Timestamp};

use super::SqlBackend;
use super::rows::{Column, MESSAGE_COLUMNS, MessageRow, TicketRow, db, ticket_select};
use super::statement::Statement;
use crate::storage::{
    NewMessageRecord, StorageError, StorageResult, TicketOrder, TicketQuery, WrittenMessage,
};

/// The statements shared by several methods, for the database of the backend `B`.
pub(super) struct Queries<B>(PhantomData<B>);

impl<B, DB> Queries<B>
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
    /// One ticket with its manager and counters.
    pub(super) async fn fetch_ticket(
        conn: &mut <DB as Database>::Connection,
        id: TicketId,
    ) -> StorageResult<Option<Ticket>> {
        let row: Option<TicketRow> =
            sqlx::query_as(&format!("{} WHERE t.id = $1", ticket_select::<B>()))
                .bind(id.get())
                .fetch_optional(conn)
                .await
                .map_err(db)?;
        row.map(TicketRow::into_ticket).transpose()
    }

    /// [`Self::fetch_ticket`], `TicketNotFound` if absent.
    pub(super) async fn ticket(
        conn: &mut <DB as Database>::Connection,
        id: TicketId,
    ) -> StorageResult<Ticket> {
        Self::fetch_ticket(conn, id)
            .await?
            .ok_or(StorageError::TicketNotFound(id))
    }

    /// Whether the ticket exists.
    pub(super) async fn ticket_exists(
        conn: &mut <DB as Database>::Connection,
        id: TicketId,
    ) -> StorageResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM support_tickets WHERE id = $1")
            .bind(id.get())
            .fetch_optional(conn)
            .await
            .map_err(db)?;
        Ok(found.is_some())
    }

    /// Inserts a message and its attachments in the caller's write transaction (a new ticket's
    /// first message, a message with attachments), timed `now` (see
    /// [`SqlBackend::push_now`]). A failed claim of an upload fails it: the caller rolls back.
    pub(super) async fn insert_message_in(
        conn: &mut <DB as Database>::Connection,
        mut new: NewMessageRecord,
        now: Timestamp,
    ) -> StorageResult<Message> {
        let attachments = std::mem::take(&mut new.attachments);
        let mut st = Statement::<DB>::new(
            "INSERT INTO support_messages \
             (ticket_id, sender, text, viewed, manager_id, created_at) VALUES (",
        );
        st.push_bind(new.ticket.get())
            .push(", ")
            .push_bind(new.sender.as_str().to_owned())
            .push(", ")
            .push_bind(new.text)
            .push(", ")
            .push_bind(new.viewed)
            .push(", ")
            .push_bind(new.manager.map(|m| m.get()))
            .push(", ");
        B::push_now(&mut st, now);
        st.push(") RETURNING ").push(MESSAGE_COLUMNS);
        let (sql, args) = st.finish()?;
        let row: MessageRow = sqlx::query_as_with(&sql, args)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        let mut message = row.into_new_message()?;
        super::attachments::attach_in::<B, DB>(conn, &mut message, attachments, now).await?;
        Ok(message)
    }

    /// Inserts a message with attachments in the caller's write transaction, with its
    /// ticket's manager as of the write (the ticket row locked for it, [`SqlBackend::LOCK_ROW`]).
    /// The path of messages with attachments on both databases: their several statements need
    /// a transaction, which the single-statement fast paths of text messages avoid.
    pub(super) async fn insert_with_attachments_in(
        conn: &mut <DB as Database>::Connection,
        new: NewMessageRecord,
        now: Timestamp,
    ) -> StorageResult<WrittenMessage> {
        let ticket = new.ticket;
        let assignee: Option<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT support_manager_id FROM support_tickets WHERE id = $1{}",
            B::LOCK_ROW
        ))
        .bind(ticket.get())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let assignee = assignee.ok_or(StorageError::TicketNotFound(ticket))?;
        let message = Self::insert_message_in(conn, new, now).await?;
        Ok(WrittenMessage {
            message,
            assignee: assignee.map(ManagerId::new),
            user: None,
        })
    }

    /// `WHERE` clauses for the list filters, on the ticket alias `t`.
    pub(super) fn push_filters(st: &mut Statement<'_, DB>, query: &TicketQuery) {
        let mut sep = " WHERE ";
        // A user has a handful of tickets: with a user filter the others only check the rows the
        // user's index found. (SQLite took the `resolved` index for the bots' `user_id` +
        // `resolved` lists: 60,000 rows read at 100,000 tickets, 140 ms instead of about 1.)
        let only = if query.user_id.is_some() {
            B::FILTER_ONLY
        } else {
            ""
        };
        if let Some(user) = query.user_id {
            st.push(sep).push("t.user_id = ").push_bind(user.get());
            sep = " AND ";
        }
        if let Some(resolved) = query.resolved {
            st.push(sep)
                .push(only)
                .push("t.resolved = ")
                .push_bind(resolved);
            sep = " AND ";
        }
        if let Some(manager) = query.manager {
            st.push(sep)
                .push(only)
                .push("t.support_manager_id = ")
                .push_bind(manager.get());
            sep = " AND ";
        }
        match query.manager_isnull {
            Some(true) => {
                st.push(sep).push(only).push("t.support_manager_id IS NULL");
                sep = " AND ";
            }
            Some(false) => {
                st.push(sep)
                    .push(only)
                    .push("t.support_manager_id IS NOT NULL");
                sep = " AND ";
            }
            None => {}
        }
        if let Some(me) = query.not_manager {
            st.push(sep)
                .push("t.support_manager_id IS NOT NULL AND t.support_manager_id <> ")
                .push_bind(me.get());
            sep = " AND ";
        }
        if let Some(search) = &query.search {
            st.push(sep);
            B::push_search(st, search);
        }
    }

    /// The `ORDER BY` of a ticket list (after [`ticket_select`], whose `updated_at` it names).
    pub(super) fn order_by(order: TicketOrder) -> &'static str {
        match order {
            TicketOrder::Created => " ORDER BY t.created_at DESC, t.id DESC",
            TicketOrder::Activity => " ORDER BY updated_at DESC, t.id DESC",
            TicketOrder::Waiting => {
                " ORDER BY CASE WHEN (SELECT w.sender FROM support_messages w \
                 WHERE w.ticket_id = t.id ORDER BY w.id DESC LIMIT 1) = 'user' THEN 0 ELSE 1 END, \
                 updated_at ASC, t.id ASC"
            }
            // `viewed` as rows.rs reads it, spelled out: Postgres names an output column only
            // as a whole ORDER BY item. `updated_at` is the newest message's time when the
            // ticket has one (those come first), the creation otherwise.
            TicketOrder::Unviewed => {
                " ORDER BY CASE WHEN t.viewed_mark AND NOT EXISTS (SELECT 1 FROM support_messages u \
                 WHERE u.ticket_id = t.id AND u.sender = 'user' AND NOT u.viewed) THEN 1 ELSE 0 END, \
                 t.resolved, CASE WHEN EXISTS (SELECT 1 FROM support_messages e \
                 WHERE e.ticket_id = t.id) THEN 0 ELSE 1 END, updated_at DESC, \
                 t.created_at DESC, t.id DESC"
            }
        }
    }
}
