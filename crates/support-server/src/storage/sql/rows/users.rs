//! A user's columns as the queries read them: joined to a ticket or a new message
//! ([`USER_COLUMNS`], [`UserColumns`]) or alone ([`USER_TABLE_COLUMNS`], [`UserRow`]), and the
//! [`TelegramUser`] they make, with the contact profile (schema version 7).

use support_protocol::{TelegramId, TelegramUser};

/// The profile columns of a user `u` (a [`UserColumns`]), for a `SELECT` that joins
/// `support_users u`.
pub(in crate::storage::sql) const USER_COLUMNS: &str = "u.first_name AS user_first_name, \
     u.last_name AS user_last_name, u.username AS user_username, \
     u.is_premium AS user_is_premium, u.language_code AS user_language_code, \
     u.blocked AS user_blocked";

/// The user columns of `support_users`, by name (for reading a user row on its own).
pub(in crate::storage::sql) const USER_TABLE_COLUMNS: &str = "telegram_id, first_name AS user_first_name, \
     last_name AS user_last_name, username AS user_username, is_premium AS user_is_premium, \
     language_code AS user_language_code, blocked AS user_blocked";

/// The [`USER_COLUMNS`] of a row; all `NULL` when the user row is absent (a `LEFT JOIN`).
pub(in crate::storage::sql) struct UserColumns {
    user_first_name: Option<String>,
    user_last_name: Option<String>,
    user_username: Option<String>,
    user_is_premium: Option<bool>,
    user_language_code: Option<String>,
    user_blocked: Option<bool>,
}

from_row!(UserColumns {
    user_first_name,
    user_last_name,
    user_username,
    user_is_premium,
    user_language_code,
    user_blocked,
});

impl UserColumns {
    /// The user `id` with these columns.
    pub(in crate::storage::sql) fn into_user(self, id: i64) -> TelegramUser {
        let mut user = TelegramUser::new(TelegramId::new(id));
        user.first_name = self.user_first_name;
        user.last_name = self.user_last_name;
        user.username = self.user_username;
        user.is_premium = self.user_is_premium.unwrap_or(false);
        user.language_code = self.user_language_code;
        user.blocked = self.user_blocked.unwrap_or(false);
        user
    }
}

/// A user row read on its own ([`USER_TABLE_COLUMNS`]).
pub(in crate::storage::sql) struct UserRow {
    telegram_id: i64,
    columns: UserColumns,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for UserRow
where
    UserColumns: sqlx::FromRow<'r, R>,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Self {
            telegram_id: row.try_get("telegram_id")?,
            columns: UserColumns::from_row(row)?,
        })
    }
}

impl UserRow {
    pub(in crate::storage::sql) fn into_user(self) -> TelegramUser {
        self.columns.into_user(self.telegram_id)
    }
}
