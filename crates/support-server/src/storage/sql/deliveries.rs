//! [`DeliveryStore`] once for every [`SqlBackend`]: the `support_deliveries` rows (one per
//! manager reply, made by the insert trigger of schema version 3) and the users' `blocked` and
//! `language_code` columns.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{DeliveryState, Message, MessageId, TelegramId, TicketId, Timestamp};

use super::SqlBackend;
use super::rows::{Column, Corrupt, DeliveredRow, MESSAGE_SELECT, USER_TABLE_COLUMNS, UserRow, db};
use super::statement::Statement;
use crate::storage::{
    DeliveryChange, DeliveryStore, DeliveryUpdate, StorageError, StorageResult, UserChange,
    UserReport,
};

/// Pending replies of reachable users: `d` joined to its message `m`, ticket `t` and user `u`.
/// `not_blocked` is the placeholder bound to `false` (a bind: the dialects spell booleans
/// differently).
fn pending_of_reachable_users(not_blocked: &str) -> String {
    format!(
        "FROM support_deliveries d \
         JOIN support_messages m ON m.id = d.message_id \
         JOIN support_tickets t ON t.id = m.ticket_id \
         JOIN support_users u ON u.telegram_id = t.user_id \
         WHERE d.state = 'pending' AND u.blocked = {not_blocked}"
    )
}

#[async_trait]
impl<B, DB> DeliveryStore for B
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
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: u32,
    ) -> StorageResult<Vec<Message>> {
        let mut tx = self.begin_write().await?;
        // One statement picks and leases, so two claims never get the same reply: SQLite's
        // write transaction holds the database, Postgres skips rows another claim has locked.
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "UPDATE support_deliveries SET lease_until = $1, attempts = attempts + 1, \
             lease_owner = $5 \
             WHERE message_id IN (SELECT d.message_id {pending} AND d.sending = $3 \
             AND (d.lease_until IS NULL OR d.lease_until <= $2) \
             AND (d.not_before IS NULL OR d.not_before <= $2) \
             ORDER BY d.message_id LIMIT $4{lock}) RETURNING message_id",
            pending = pending_of_reachable_users("$3"),
            lock = B::CLAIM_LOCK
        ))
        .bind(lease_until.unix_micros())
        .bind(now.unix_micros())
        .bind(false)
        .bind(i64::from(limit))
        .bind(owner.to_owned())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let messages = messages_by_id::<DB>(&mut tx, &ids).await?;
        tx.commit().await.map_err(db)?;
        Ok(messages)
    }

    async fn update_delivery(
        &self,
        message: MessageId,
        update: DeliveryUpdate,
        now: Timestamp,
    ) -> StorageResult<DeliveryChange> {
        let mut tx = self.begin_write().await?;
        let state: Option<String> = sqlx::query_scalar(&format!(
            "SELECT state FROM support_deliveries WHERE message_id = $1{}",
            B::LOCK_ROW
        ))
        .bind(message.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(state) = state else {
            return Ok(DeliveryChange::NoDelivery);
        };
        let state = DeliveryState::from_wire(&state).ok_or_else(|| {
            StorageError::backend(Corrupt(format!("delivery {message}: state {state:?}")))
        })?;
        let unchanged = match update {
            DeliveryUpdate::Sent { .. } => state == DeliveryState::Sent,
            DeliveryUpdate::Reset => state != DeliveryState::Failed,
            DeliveryUpdate::Retry { .. } | DeliveryUpdate::Failed { .. } => false,
        };
        if !unchanged {
            let mut st = Statement::<DB>::new("UPDATE support_deliveries SET updated_at = ");
            st.push_bind(now.unix_micros())
                .push(", lease_until = NULL, lease_owner = NULL, sending = ")
                .push_bind(false)
                .push(", ");
            match update {
                DeliveryUpdate::Sent {
                    telegram_message_id,
                } => {
                    st.push("state = 'sent', not_before = NULL, error_code = NULL, error = NULL, ")
                        .push("telegram_message_id = ")
                        .push_bind(telegram_message_id);
                }
                DeliveryUpdate::Retry {
                    not_before,
                    error_code,
                    error,
                    counted,
                } => {
                    st.push("state = 'pending', not_before = ")
                        .push_bind(not_before.unix_micros())
                        .push(", error_code = ")
                        .push_bind(error_code.map(i64::from))
                        .push(", error = ")
                        .push_bind(error);
                    if !counted {
                        st.push(", attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END");
                    }
                }
                DeliveryUpdate::Failed { error_code, error } => {
                    st.push("state = 'failed', not_before = NULL, error_code = ")
                        .push_bind(error_code.map(i64::from))
                        .push(", error = ")
                        .push_bind(error);
                }
                DeliveryUpdate::Reset => {
                    st.push(
                        "state = 'pending', attempts = 0, not_before = NULL, \
                         error_code = NULL, error = NULL",
                    );
                }
            }
            st.push(" WHERE message_id = ").push_bind(message.get());
            let (sql, args) = st.finish()?;
            sqlx::query_with(&sql, args)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let row: DeliveredRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
            .bind(message.get())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let message = row.into_message()?;
        Ok(if unchanged {
            DeliveryChange::Unchanged(message)
        } else {
            DeliveryChange::Changed(message)
        })
    }

    async fn begin_sending(
        &self,
        message: MessageId,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StorageResult<bool> {
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE support_deliveries SET sending = $1, lease_until = $2 \
             WHERE message_id = $3 AND state = 'pending' AND lease_owner = $4 \
             AND lease_until > $5 RETURNING message_id",
        )
        .bind(true)
        .bind(lease_until.unix_micros())
        .bind(message.get())
        .bind(owner.to_owned())
        .bind(now.unix_micros())
        .fetch_optional(self.writer())
        .await
        .map_err(db)?;
        Ok(updated.is_some())
    }

    async fn expire_unconfirmed(&self, now: Timestamp, error: &str) -> StorageResult<Vec<Message>> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE support_deliveries SET state = 'failed', sending = $1, lease_until = NULL, \
             lease_owner = NULL, not_before = NULL, error_code = NULL, error = $2, \
             updated_at = $3 \
             WHERE state = 'pending' AND sending = $4 AND lease_until <= $3 \
             RETURNING message_id",
        )
        .bind(false)
        .bind(error.to_owned())
        .bind(now.unix_micros())
        .bind(true)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let messages = messages_by_id::<DB>(&mut tx, &ids).await?;
        tx.commit().await.map_err(db)?;
        Ok(messages)
    }

    async fn next_delivery_due(&self) -> StorageResult<Option<Timestamp>> {
        // Each reply is due at the later of its lease's end and its `not_before` (0 if unset),
        // written without the dialects' differing two-argument MAX/GREATEST.
        let due: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MIN(CASE WHEN COALESCE(d.lease_until, 0) > COALESCE(d.not_before, 0) \
             THEN COALESCE(d.lease_until, 0) ELSE COALESCE(d.not_before, 0) END) \
             {}",
            pending_of_reachable_users("$1")
        ))
        .bind(false)
        .fetch_one(self.reader())
        .await
        .map_err(db)?;
        due.map(|micros| Timestamp::from_unix_micros(micros.max(0)).map_err(StorageError::backend))
            .transpose()
    }

    async fn set_user_blocked(&self, user: TelegramId, blocked: bool) -> StorageResult<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(user.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let changed: Option<i64> = sqlx::query_scalar(
            "UPDATE support_users SET blocked = $1 WHERE telegram_id = $2 AND blocked <> $1 \
             RETURNING telegram_id",
        )
        .bind(blocked)
        .bind(user.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(changed.is_some())
    }

    async fn ticket_user(&self, ticket: TicketId) -> StorageResult<Option<TelegramId>> {
        let user: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM support_tickets WHERE id = $1")
                .bind(ticket.get())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
        Ok(user.map(TelegramId::new))
    }

    async fn update_user(
        &self,
        user: TelegramId,
        report: &UserReport,
    ) -> StorageResult<Option<UserChange>> {
        // Read first: on nearly every message nothing changes, and a read costs no write
        // transaction (on SQLite, no turn at the file's one writer).
        let read = format!("SELECT {USER_TABLE_COLUMNS} FROM support_users WHERE telegram_id = $1");
        let known: Option<UserRow> = sqlx::query_as(&read)
            .bind(user.get())
            .fetch_optional(self.reader())
            .await
            .map_err(db)?;
        let Some(before) = known.map(UserRow::into_user) else {
            return Ok(None);
        };
        if !report.changes(&before) {
            return Ok(None);
        }
        let id = before.telegram_id.get();
        let mut tx = self.begin_write().await?;
        if let Some(code) = &report.language_code {
            sqlx::query("UPDATE support_users SET language_code = $1 WHERE telegram_id = $2")
                .bind(code.clone())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        if let Some(p) = &report.profile {
            sqlx::query(
                "UPDATE support_users SET first_name = $1, last_name = $2, username = $3, \
                 is_premium = $4 WHERE telegram_id = $5",
            )
            .bind(p.first_name.clone())
            .bind(p.last_name.clone())
            .bind(p.username.clone())
            .bind(p.is_premium)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // The unblock is decided by the write itself, so of two concurrent messages exactly one
        // reports it.
        let unblocked: Option<i64> = sqlx::query_scalar(
            "UPDATE support_users SET blocked = $1 WHERE telegram_id = $2 AND blocked = $3 \
             RETURNING telegram_id",
        )
        .bind(false)
        .bind(id)
        .bind(true)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let after: UserRow = sqlx::query_as(&format!(
            "SELECT {USER_TABLE_COLUMNS} FROM support_users WHERE telegram_id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let user = after.into_user();
        let updated = user.language_code != before.language_code
            || support_protocol::UserProfile::of(&user)
                != support_protocol::UserProfile::of(&before);
        let unblocked = unblocked.is_some();
        Ok((updated || unblocked).then_some(UserChange {
            user,
            unblocked,
            updated,
        }))
    }

    async fn claim_notice(&self, ticket: TicketId, resolved: bool) -> StorageResult<bool> {
        // An upsert that changes nothing returns no row: the state was recorded already.
        let claimed: Option<i64> = sqlx::query_scalar(
            "INSERT INTO support_resolution_notices (ticket_id, resolved) VALUES ($1, $2) \
             ON CONFLICT (ticket_id) DO UPDATE SET resolved = excluded.resolved \
             WHERE support_resolution_notices.resolved <> excluded.resolved \
             RETURNING ticket_id",
        )
        .bind(ticket.get())
        .bind(resolved)
        .fetch_optional(self.writer())
        .await
        .map_err(db)?;
        Ok(claimed.is_some())
    }

    async fn get_message(&self, message: MessageId) -> StorageResult<Option<Message>> {
        let row: Option<DeliveredRow> =
            sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
                .bind(message.get())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
        row.map(DeliveredRow::into_message).transpose()
    }
}

/// The messages with these ids, with their deliveries, in id order.
async fn messages_by_id<DB>(
    conn: &mut <DB as Database>::Connection,
    ids: &[i64],
) -> StorageResult<Vec<Message>>
where
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
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = Statement::<DB>::new(MESSAGE_SELECT);
    st.push(" WHERE m.id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            st.push(", ");
        }
        st.push_bind(*id);
    }
    st.push(") ORDER BY m.id");
    let (sql, args) = st.finish()?;
    let rows: Vec<DeliveredRow> = sqlx::query_as_with(&sql, args)
        .fetch_all(conn)
        .await
        .map_err(db)?;
    rows.into_iter().map(DeliveredRow::into_message).collect()
}
