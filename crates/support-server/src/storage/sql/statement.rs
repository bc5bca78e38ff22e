//! [`Statement`]: SQL text and its arguments, built at run time for either database.
//!
//! Why not sqlx's `QueryBuilder`: it owns the text and the arguments together, and executing it
//! borrows it for the arguments' lifetime. With a concrete database the compiler sees that the
//! arguments' destructor does not use that lifetime; in code generic over the database it
//! cannot, so every `qb.build().fetch_*(..)` fails to borrow-check ("`qb` dropped here while
//! still borrowed"). Here the text and the arguments part before execution, and the arguments
//! move into the query.
//!
//! Placeholders are written `$1`, `$2`, …: Postgres's own, and sqlx's SQLite driver binds `$N`
//! by number too.

use std::fmt::Write as _;

use sqlx::{Arguments, Database};

use super::rows::Column;
use crate::storage::{StorageError, StorageResult};

/// SQL text and its arguments.
pub(crate) struct Statement<'q, DB: Database> {
    sql: String,
    args: <DB as Database>::Arguments<'q>,
    /// The first argument that failed to encode, reported by [`Self::finish`].
    error: Option<String>,
}

impl<'q, DB: Database> Statement<'q, DB> {
    /// A statement starting with `sql`.
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Default::default(),
            error: None,
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub(crate) fn push_bind<T: Column<DB> + 'q>(&mut self, value: T) -> &mut Self {
        if let Err(err) = self.args.add(value) {
            self.error.get_or_insert_with(|| err.to_string());
        }
        let _ = write!(self.sql, "${}", self.args.len());
        self
    }

    /// Binds `value` without writing its placeholder, and returns the placeholder (`$N`) to
    /// write, as often as the value is needed.
    pub(crate) fn bind<T: Column<DB> + 'q>(&mut self, value: T) -> String {
        if let Err(err) = self.args.add(value) {
            self.error.get_or_insert_with(|| err.to_string());
        }
        format!("${}", self.args.len())
    }

    /// The text and the arguments, for `sqlx::query_with(&sql, args)` and its siblings.
    pub(crate) fn finish(self) -> StorageResult<(String, <DB as Database>::Arguments<'q>)> {
        match self.error {
            None => Ok((self.sql, self.args)),
            Some(err) => Err(StorageError::Backend(
                format!("could not encode an argument: {err}").into(),
            )),
        }
    }
}
