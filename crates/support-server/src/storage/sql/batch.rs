//! Group commit of new messages, for both databases: writer tasks take every message waiting
//! and insert them with one statement (one implicit transaction), so one durable commit (SQLite's
//! WAL fsync, Postgres's WAL flush) acknowledges many messages. Still durable \[S2\]: a caller
//! gets its message only after the commit that holds it has returned.
//!
//! Why: with one flush per commit and one statement per round trip, a commit per message capped
//! SQLite at ~1,400 and Postgres at ~3,300 message POSTs per second whatever the concurrency
//! (BENCHMARKS.md). A batch costs one statement and one flush however many messages it holds.
//!
//! No added latency when idle: a writer waits for the first request, then takes whatever else
//! is already queued (`recv_many`), never waiting for a batch to fill.
//!
//! What differs per database is the statement ([`GroupInsert`]): SQLite's `INSERT … SELECT …
//! FROM (VALUES …)` on its one write connection, Postgres's `unnest` of arrays (one prepared
//! statement whatever the batch size) with several writers, so one batch's round trip and flush
//! overlap the next batch's gathering.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::storage::{NewMessageRecord, StorageError, StorageResult, WrittenMessage};

/// Requests waiting for the writers; callers beyond this wait for room (backpressure).
const QUEUE: usize = 4096;

/// One database's statement inserting a batch of messages.
pub(super) trait GroupInsert: Send + Sync + 'static {
    /// The backend's name, for errors and the commit metric.
    const NAME: &'static str;

    /// The most messages in one statement (bounded by the database's limit on bound values).
    const MAX_BATCH: usize;

    /// Inserts the messages of `news` whose ticket exists, in one statement committed on its
    /// own, and returns the inserted rows with their audience, in any order. A ticket exists for
    /// all of its messages in the batch or for none (one statement).
    fn insert(
        &self,
        news: &[&NewMessageRecord],
    ) -> impl Future<Output = StorageResult<Vec<WrittenMessage>>> + Send;
}

/// One message waiting for its commit.
struct Pending {
    new: NewMessageRecord,
    reply: oneshot::Sender<StorageResult<WrittenMessage>>,
}

/// The handle callers use; cloning it is cheap.
#[derive(Debug, Clone)]
pub(super) struct MessageBatcher {
    queue: mpsc::Sender<Pending>,
    name: &'static str,
}

impl MessageBatcher {
    /// Starts `writers` writer tasks on the current runtime, each inserting through `insert`.
    /// They share one queue: a writer takes what waits, and while it commits the next writer
    /// gathers the next batch.
    pub(super) fn start<I: GroupInsert>(insert: I, writers: usize) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE);
        let requests = Arc::new(Mutex::new(requests));
        let insert = Arc::new(insert);
        for _ in 0..writers.max(1) {
            tokio::spawn(run(insert.clone(), requests.clone()));
        }
        Self {
            queue,
            name: I::NAME,
        }
    }

    /// Inserts one message, returning once the transaction holding it has committed, with its
    /// ticket's manager as of that transaction.
    pub(super) async fn insert(&self, new: NewMessageRecord) -> StorageResult<WrittenMessage> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { new, reply })
            .await
            .map_err(|_| closed(self.name))?;
        answer.await.map_err(|_| closed(self.name))?
    }
}

fn closed(name: &str) -> StorageError {
    StorageError::Backend(format!("{name}: the message writer has stopped").into())
}

async fn run<I: GroupInsert>(insert: Arc<I>, requests: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    let mut batch = Vec::with_capacity(I::MAX_BATCH);
    loop {
        // Held only while taking a batch: the next writer gathers while this one commits.
        let taken = requests
            .lock()
            .await
            .recv_many(&mut batch, I::MAX_BATCH)
            .await;
        if taken == 0 {
            return;
        }
        let news: Vec<&NewMessageRecord> = batch.iter().map(|p| &p.new).collect();
        let results = match commit(&*insert, &news).await {
            Err(err) if news.len() > 1 && refused(&err) => {
                // The database refused the statement (nothing of it committed): one message it
                // cannot store must not fail its batch-mates, so each goes again on its own.
                let mut alone = Vec::with_capacity(news.len());
                for new in &news {
                    alone.push(match commit(&*insert, &[new]).await {
                        Ok(mut one) => one.pop().unwrap_or_else(|| Err(closed(I::NAME))),
                        Err(err) => Err(err),
                    });
                }
                alone
            }
            Ok(results) => results,
            Err(err) => {
                let text = err.to_string();
                news.iter()
                    .map(|_| Err(StorageError::Backend(text.clone().into())))
                    .collect()
            }
        };
        for (pending, result) in batch.drain(..).zip(results) {
            // The caller may have gone (request cancelled); its message is committed.
            let _ = pending.reply.send(result);
        }
    }
}

/// One statement for `news`, timed, with its per-message results in batch order.
async fn commit<I: GroupInsert>(
    insert: &I,
    news: &[&NewMessageRecord],
) -> StorageResult<Vec<StorageResult<WrittenMessage>>> {
    let started = std::time::Instant::now();
    let committed = insert.insert(news).await;
    crate::metrics::storage_commit(I::NAME, started.elapsed(), news.len());
    in_batch_order(I::NAME, news, committed?)
}

/// Whether the database itself refused the statement (a constraint, a value it cannot store):
/// then nothing of it committed and each message can be tried again alone. A lost connection is
/// not: the statement may have committed.
fn refused(err: &StorageError) -> bool {
    match err {
        StorageError::Backend(source) => source
            .downcast_ref::<sqlx::Error>()
            .is_some_and(|e| matches!(e, sqlx::Error::Database(_))),
        _ => false,
    }
}

/// Per-message results in batch order: each inserted row to the request it came from, and
/// `TicketNotFound` to a message whose ticket does not exist.
///
/// Ids are drawn in the statement's row order (the batch order), so sorting the returned rows
/// by id restores it; each row is checked against its request (ticket and text), so a database
/// that drew them otherwise fails the batch loudly instead of answering a caller with another's
/// message.
fn in_batch_order(
    name: &str,
    news: &[&NewMessageRecord],
    rows: Vec<WrittenMessage>,
) -> StorageResult<Vec<StorageResult<WrittenMessage>>> {
    let mut inserted = rows;
    inserted.sort_by_key(|w| w.message.id);
    let found: HashSet<i64> = inserted.iter().map(|w| w.message.ticket.get()).collect();
    let expected = news
        .iter()
        .filter(|n| found.contains(&n.ticket.get()))
        .count();
    if expected != inserted.len() {
        return Err(StorageError::Backend(
            format!(
                "{name}: {expected} messages inserted, {} returned",
                inserted.len()
            )
            .into(),
        ));
    }
    let mut inserted = inserted.into_iter();
    news.iter()
        .map(|n| {
            if !found.contains(&n.ticket.get()) {
                return Ok(Err(StorageError::TicketNotFound(n.ticket)));
            }
            let written = inserted.next().ok_or_else(|| closed(name))?;
            if written.message.ticket != n.ticket || written.message.text != n.text {
                return Err(StorageError::Backend(
                    format!("{name}: the batch's rows came back out of order").into(),
                ));
            }
            Ok(Ok(written))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use support_protocol::{Message, MessageId, Sender, TicketId, Timestamp};

    use super::*;

    fn new(ticket: i64, text: &str) -> NewMessageRecord {
        NewMessageRecord {
            ticket: TicketId::new(ticket),
            sender: Sender::User,
            text: text.into(),
            viewed: false,
            manager: None,
            attachments: Vec::new(),
        }
    }

    fn row(id: i64, ticket: i64, text: &str) -> WrittenMessage {
        WrittenMessage {
            message: Message {
                id: MessageId::new(id),
                ticket: TicketId::new(ticket),
                created_at: Timestamp::from_unix_micros(0).unwrap(),
                sender: Sender::User,
                text: text.into(),
                viewed: false,
                delivery: None,
                manager: None,
                attachments: Vec::new(),
            },
            assignee: None,
            user: None,
        }
    }

    #[test]
    fn rows_in_any_order_go_back_to_their_requests() {
        let a = new(1, "a");
        let b = new(2, "b");
        let c = new(1, "c");
        let news = [&a, &b, &c];
        let rows = vec![row(12, 1, "c"), row(10, 1, "a"), row(11, 2, "b")];
        let texts: Vec<String> = in_batch_order("t", &news, rows)
            .unwrap()
            .into_iter()
            .map(|r| r.unwrap().message.text)
            .collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    #[test]
    fn a_missing_ticket_is_that_messages_error_only() {
        let a = new(1, "a");
        let b = new(9, "b");
        let results = in_batch_order("t", &[&a, &b], vec![row(5, 1, "a")]).unwrap();
        assert_eq!(results[0].as_ref().unwrap().message.id, MessageId::new(5));
        assert!(matches!(results[1], Err(StorageError::TicketNotFound(t)) if t.get() == 9));
    }

    #[test]
    fn rows_that_do_not_match_fail_the_batch() {
        let a = new(1, "a");
        let b = new(1, "b");
        // Ids drawn against the batch order: refused rather than swapped.
        let swapped = vec![row(7, 1, "b"), row(8, 1, "a")];
        assert!(in_batch_order("t", &[&a, &b], swapped).is_err());
        // A row missing for an existing ticket.
        assert!(in_batch_order("t", &[&a, &b], vec![row(7, 1, "a")]).is_err());
    }
}
