//! The storage conformance suite \[S1\]: what every backend must do, as async test suites that
//! each take a fresh, empty store. Memory, SQLite and Postgres run it in this crate's tests; a
//! host's own backend runs it the same way (feature `test-util`):
//!
//! ```no_run
//! # mod demo {
//! use std::sync::Arc;
//! use support_server::storage::MemoryStorage; // your backend instead
//! use support_server::storage::conformance::{self, Suite};
//!
//! // One `#[tokio::test]` per suite; the closure makes a fresh store for each (and cleans up).
//! support_server::storage_conformance_tests!(|suite: Suite| async move {
//!     conformance::run(Arc::new(MemoryStorage::new()), suite).await;
//! });
//! # }
//! ```
//!
//! The test crate needs `tokio` with the `macros` and `rt-multi-thread` features. Suites
//! assume nothing about ids beyond the contract (positive, increasing) and nothing about time
//! beyond a monotonic clock; the concurrency suites run hundreds of writers at once.

mod attachments;
mod concurrency;
mod deliveries;
mod events;
mod managers;
mod messages;
mod people;
mod search;
mod tickets;
mod viewed;

use std::future::Future;
use std::pin::Pin;

use support_protocol::{ManagerId, Sender, TelegramId, Ticket, TicketId};

use crate::storage::{DynStorage, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord};

pub use attachments::{attachments_claimed_once, unsent_uploads_purged};
pub use concurrency::{
    assignment_is_atomic, batched_messages_fail_alone, concurrent_message_inserts,
    message_audience, replies_cursor, replies_cursor_under_concurrency,
};
pub use deliveries::{
    blocked_users_and_languages, deliveries_claimed_once, deliveries_lifecycle,
    deliveries_sending_is_exclusive, resolution_notices_claimed_once,
};
pub use events::{event_log_concurrent_appends, event_log_numbers_and_slices};
pub use managers::{
    deactivation_ends_sessions, expired_sessions_are_purged, managers_upsert_and_lookup,
    password_change_ends_sessions, sessions_expire,
};
pub use messages::{messages_order_and_paging, updated_at_and_unread_count, viewed_marks};
pub use people::{contact_profiles, newest_message_per_ticket, reply_authors};
pub use search::{ticket_search, ticket_views_and_orders};
pub use tickets::{
    telegram_id_max_round_trips, ticket_create_get_update, ticket_list_filters,
    ticket_list_order_and_paging, users_register_and_exist,
};
pub use viewed::{ticket_list_unviewed_order, ticket_viewed_mark};

/// One suite, boxed so that every suite has the same type.
pub type Suite = fn(DynStorage) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every suite with its name, in the order [`storage_conformance_tests!`] declares them.
///
/// [`storage_conformance_tests!`]: crate::storage_conformance_tests
pub const SUITES: &[(&str, Suite)] = &[
    ("users_register_and_exist", |s| {
        Box::pin(users_register_and_exist(s))
    }),
    ("telegram_id_max_round_trips", |s| {
        Box::pin(telegram_id_max_round_trips(s))
    }),
    ("ticket_create_get_update", |s| {
        Box::pin(ticket_create_get_update(s))
    }),
    ("ticket_list_filters", |s| Box::pin(ticket_list_filters(s))),
    ("ticket_list_order_and_paging", |s| {
        Box::pin(ticket_list_order_and_paging(s))
    }),
    ("messages_order_and_paging", |s| {
        Box::pin(messages_order_and_paging(s))
    }),
    ("viewed_marks", |s| Box::pin(viewed_marks(s))),
    ("ticket_viewed_mark", |s| Box::pin(ticket_viewed_mark(s))),
    ("ticket_list_unviewed_order", |s| {
        Box::pin(ticket_list_unviewed_order(s))
    }),
    ("updated_at_and_unread_count", |s| {
        Box::pin(updated_at_and_unread_count(s))
    }),
    ("assignment_is_atomic", |s| {
        Box::pin(assignment_is_atomic(s))
    }),
    ("concurrent_message_inserts", |s| {
        Box::pin(concurrent_message_inserts(s))
    }),
    ("batched_messages_fail_alone", |s| {
        Box::pin(batched_messages_fail_alone(s))
    }),
    ("message_audience", |s| Box::pin(message_audience(s))),
    ("replies_cursor", |s| Box::pin(replies_cursor(s))),
    ("replies_cursor_under_concurrency", |s| {
        Box::pin(replies_cursor_under_concurrency(s))
    }),
    ("managers_upsert_and_lookup", |s| {
        Box::pin(managers_upsert_and_lookup(s))
    }),
    ("sessions_expire", |s| Box::pin(sessions_expire(s))),
    ("expired_sessions_are_purged", |s| {
        Box::pin(expired_sessions_are_purged(s))
    }),
    ("password_change_ends_sessions", |s| {
        Box::pin(password_change_ends_sessions(s))
    }),
    ("deactivation_ends_sessions", |s| {
        Box::pin(deactivation_ends_sessions(s))
    }),
    ("deliveries_lifecycle", |s| {
        Box::pin(deliveries_lifecycle(s))
    }),
    ("blocked_users_and_languages", |s| {
        Box::pin(blocked_users_and_languages(s))
    }),
    ("deliveries_claimed_once", |s| {
        Box::pin(deliveries_claimed_once(s))
    }),
    ("deliveries_sending_is_exclusive", |s| {
        Box::pin(deliveries_sending_is_exclusive(s))
    }),
    ("resolution_notices_claimed_once", |s| {
        Box::pin(resolution_notices_claimed_once(s))
    }),
    ("event_log_numbers_and_slices", |s| {
        Box::pin(event_log_numbers_and_slices(s))
    }),
    ("event_log_concurrent_appends", |s| {
        Box::pin(event_log_concurrent_appends(s))
    }),
    ("attachments_claimed_once", |s| {
        Box::pin(attachments_claimed_once(s))
    }),
    ("unsent_uploads_purged", |s| {
        Box::pin(unsent_uploads_purged(s))
    }),
    ("contact_profiles", |s| Box::pin(contact_profiles(s))),
    ("reply_authors", |s| Box::pin(reply_authors(s))),
    ("newest_message_per_ticket", |s| {
        Box::pin(newest_message_per_ticket(s))
    }),
    ("ticket_search", |s| Box::pin(ticket_search(s))),
    ("ticket_views_and_orders", |s| {
        Box::pin(ticket_views_and_orders(s))
    }),
];

/// Runs `suite` on `storage` in a task of its own (so a failing suite still lets the store
/// close), closes the store, then re-raises the suite's panic, if any.
pub async fn run(storage: DynStorage, suite: Suite) {
    let result = tokio::spawn(suite(std::sync::Arc::clone(&storage))).await;
    storage.close().await;
    if let Err(err) = result {
        match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => panic!("suite task failed: {err}"),
        }
    }
}

/// Declares one `#[tokio::test]` per conformance suite, each calling `$runner(suite)`: an async
/// closure (or fn) taking a [`Suite`](crate::storage::conformance::Suite) that makes a fresh
/// store, calls [`run`](crate::storage::conformance::run) and cleans up. See the
/// [module](crate::storage::conformance) docs.
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[macro_export]
macro_rules! storage_conformance_tests {
    ($runner:expr) => {
        $crate::storage_conformance_tests!(@each $runner;
            users_register_and_exist,
            telegram_id_max_round_trips,
            ticket_create_get_update,
            ticket_list_filters,
            ticket_list_order_and_paging,
            messages_order_and_paging,
            viewed_marks,
            ticket_viewed_mark,
            ticket_list_unviewed_order,
            updated_at_and_unread_count,
            assignment_is_atomic,
            concurrent_message_inserts,
            batched_messages_fail_alone,
            message_audience,
            replies_cursor,
            replies_cursor_under_concurrency,
            managers_upsert_and_lookup,
            sessions_expire,
            expired_sessions_are_purged,
            password_change_ends_sessions,
            deactivation_ends_sessions,
            deliveries_lifecycle,
            blocked_users_and_languages,
            deliveries_claimed_once,
            deliveries_sending_is_exclusive,
            resolution_notices_claimed_once,
            event_log_numbers_and_slices,
            event_log_concurrent_appends,
            attachments_claimed_once,
            unsent_uploads_purged,
            contact_profiles,
            reply_authors,
            newest_message_per_ticket,
            ticket_search,
            ticket_views_and_orders,
        );
    };
    (@each $runner:expr; $($suite:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $suite() {
                let suite: $crate::storage::conformance::Suite =
                    |s| ::std::boxed::Box::pin($crate::storage::conformance::$suite(s));
                ($runner)(suite).await;
            }
        )*
    };
}

// ---- Helpers the suites share ----------------------------------------------------------------

fn new_ticket(user: i64, title: &str) -> NewTicketRecord {
    NewTicketRecord {
        user_id: TelegramId::new(user),
        title: title.to_owned(),
        resolved: false,
        first_message: None,
        first_attachments: Vec::new(),
    }
}

fn user_message(ticket: TicketId, text: &str) -> NewMessageRecord {
    NewMessageRecord {
        ticket,
        sender: Sender::User,
        text: text.to_owned(),
        viewed: false,
        manager: None,
        attachments: Vec::new(),
    }
}

fn supp_message(ticket: TicketId, text: &str, manager: ManagerId) -> NewMessageRecord {
    NewMessageRecord {
        ticket,
        sender: Sender::Supp,
        text: text.to_owned(),
        viewed: true,
        manager: Some(manager),
        attachments: Vec::new(),
    }
}

/// What the bot reports of a user who writes: their language only.
fn lang(code: &str) -> crate::storage::UserReport {
    crate::storage::UserReport {
        language_code: Some(code.to_owned()),
        profile: None,
    }
}

async fn add_manager(s: &DynStorage, username: &str) -> ManagerRecord {
    s.upsert_manager(ManagerUpsert {
        username: username.to_owned(),
        first_name: format!("{username} first"),
        last_name: format!("{username} last"),
        password_hash: None,
    })
    .await
    .expect("upsert manager")
}

async fn create(s: &DynStorage, user: i64, title: &str) -> Ticket {
    s.create_ticket(new_ticket(user, title))
        .await
        .expect("create ticket")
        .0
}

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id).collect()
}

/// Tickets in the contract's list order: `created_at` desc, then `id` desc.
fn list_order(tickets: &mut [Ticket]) {
    tickets.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
}
