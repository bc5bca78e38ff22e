//! Copying a user's files from Telegram into the server's blob store: `getFile`, then the
//! download streamed straight into [`SupportClient::upload_file`]. One chunk at a time is in
//! memory, never the whole file. Measured (`measure_copying_a_large_file` in the bot's
//! integration tests, 2026-12, 2 cores): a 19 MiB document copied from the fake Telegram into the
//! server on loopback in 69 ms (release; 0.55 s debug), the process's peak RSS up by 3 MiB — the
//! fake, the server and the bot together, so the bot holds far less than the file.
//!
//! A copy that cannot be made leaves the attachment as described (Telegram's `file_id` kept, so
//! nothing is lost) and logs a warning: a file over Telegram's 20 MB limit for bots (known from
//! the message, or `getFile`'s refusal), a download cut off, an upload the server refuses (its
//! own size limit, no blob store, a picture that is not one).

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use futures_util::future::join_all;
use support_protocol::{Attachment, NewAttachment};
use teloxide::Bot;
use teloxide::net::Download;
use teloxide::prelude::Requester;
use teloxide::types::FileId;
use tokio::sync::Semaphore;

use crate::client::{FileUpload, SupportClient};

/// The largest file Telegram lets a bot download (`getFile`: "up to 20 MB").
pub(crate) const TELEGRAM_DOWNLOAD_MAX: u64 = 20 * 1024 * 1024;

/// Copies running at once in this process; more wait for a turn. Each holds a download and an
/// upload open (two connections, a chunk in memory), so the bound is on sockets and bandwidth:
/// an album of ten copies four at a time, and a burst of users cannot open hundreds of
/// connections to Telegram and the server. The server has its own bound on uploads streaming at
/// once; waiting here is cheaper than being refused there.
const COPIES_AT_ONCE: usize = 4;

static TURNS: Semaphore = Semaphore::const_new(COPIES_AT_ONCE);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Copies the files among `attachments` (in order, concurrently up to the bound) with `bot`
/// downloading; each copied one names its upload, the others stay as they were.
pub(crate) async fn copy_all(
    bot: &Bot,
    client: &SupportClient,
    attachments: Vec<NewAttachment>,
) -> Vec<NewAttachment> {
    join_all(attachments.into_iter().map(|a| copy_one(bot, client, a))).await
}

async fn copy_one(bot: &Bot, client: &SupportClient, mut a: NewAttachment) -> NewAttachment {
    let Some(file_id) = a.telegram.as_ref().map(|t| t.file_id.clone()) else {
        return a; // a location or a contact
    };
    if a.size.is_some_and(|s| s > TELEGRAM_DOWNLOAD_MAX) {
        tracing::warn!(
            size = a.size,
            "a user's file is over Telegram's 20 MB download limit: kept by its file_id only"
        );
        return a;
    }
    let Ok(_turn) = TURNS.acquire().await else {
        return a; // never closed
    };
    match upload(bot, client, &file_id, &a).await {
        Ok(uploaded) => a.upload = Some(uploaded.id),
        Err(error) => tracing::warn!(
            %error,
            kind = ?a.kind,
            "a user's file could not be copied to the support server: kept by its file_id only"
        ),
    }
    a
}

/// `getFile`, the download and the upload of one file.
async fn upload(
    bot: &Bot,
    client: &SupportClient,
    file_id: &str,
    a: &NewAttachment,
) -> Result<Attachment, BoxError> {
    // "Bad Request: file is too big" for a file over the limit the message did not tell.
    let file = bot.get_file(FileId(file_id.to_owned())).await?;
    let size = (file.meta.size != u32::MAX)
        .then_some(u64::from(file.meta.size))
        .or(a.size);
    if size.is_some_and(|s| s > TELEGRAM_DOWNLOAD_MAX) {
        return Err(format!("the file is {size:?} bytes, over Telegram's limit").into());
    }
    let mut meta = FileUpload::new();
    meta.kind = a.kind.clone();
    meta.file_name = a.file_name.clone();
    // A picture's type is left to the server, which reads it from the bytes: Telegram does not
    // say a photo's type (it is described as JPEG), and a sender's app may mislabel a document;
    // a declared picture type the bytes contradict would refuse the copy.
    meta.mime_type = a
        .mime_type
        .clone()
        .filter(|m| !m.to_ascii_lowercase().starts_with("image/"));
    meta.size = size;
    let broke = Arc::new(OnceLock::new());
    let body = Exact::new(bot.download_file_stream(&file.path), size, broke.clone());
    match client.upload_file(&meta, body).await {
        Ok(uploaded) => Ok(uploaded),
        // The upload failed because the download did: say so, not "server unreachable".
        Err(e) => Err(match broke.get() {
            Some(download) => format!("the download from Telegram broke off: {download}").into(),
            None => e.into(),
        }),
    }
}

/// A download that must be `expected` bytes long (when known) and at most
/// [`TELEGRAM_DOWNLOAD_MAX`]: a body that ends short or runs long ends in an error, so the
/// upload is aborted instead of storing a truncated file.
struct Exact<S> {
    inner: S,
    expected: Option<u64>,
    seen: u64,
    done: bool,
    /// Why the download failed, for the log (the upload's error only says it was aborted).
    broke: Arc<OnceLock<String>>,
}

impl<S> Exact<S> {
    fn new(inner: S, expected: Option<u64>, broke: Arc<OnceLock<String>>) -> Self {
        Self {
            inner,
            expected,
            seen: 0,
            done: false,
            broke,
        }
    }
}

impl<S, E> Stream for Exact<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let item = match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        let checked = match item {
            Some(Ok(chunk)) => {
                self.seen += chunk.len() as u64;
                let limit = self.expected.unwrap_or(TELEGRAM_DOWNLOAD_MAX);
                if self.seen > limit {
                    Some(Err(format!("the download ran past {limit} bytes").into()))
                } else {
                    Some(Ok(chunk))
                }
            }
            Some(Err(e)) => Some(Err(e.into())),
            None => match self.expected {
                Some(expected) if self.seen != expected => Some(Err(format!(
                    "the download ended after {} of {expected} bytes",
                    self.seen
                )
                .into())),
                _ => None,
            },
        };
        if let Some(Err(e)) = &checked {
            let _ = self.broke.set(e.to_string());
        }
        if !matches!(checked, Some(Ok(_))) {
            self.done = true;
        }
        Poll::Ready(checked)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{StreamExt, stream};

    use super::*;

    async fn run(chunks: Vec<&'static [u8]>, expected: Option<u64>) -> Result<usize, String> {
        let inner = stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        );
        let mut exact = Exact::new(inner, expected, Arc::default());
        let mut total = 0;
        while let Some(item) = exact.next().await {
            total += item.map_err(|e| e.to_string())?.len();
        }
        Ok(total)
    }

    #[tokio::test]
    async fn a_download_must_be_as_long_as_announced() {
        assert_eq!(run(vec![b"ab", b"cd"], Some(4)).await, Ok(4));
        assert_eq!(run(vec![b"ab", b"cd"], None).await, Ok(4));
        let short = run(vec![b"ab"], Some(4)).await.unwrap_err();
        assert!(short.contains("after 2 of 4"), "{short}");
        let long = run(vec![b"ab", b"cde"], Some(4)).await.unwrap_err();
        assert!(long.contains("past 4"), "{long}");
    }

    #[tokio::test]
    async fn an_error_ends_the_download() {
        let inner = stream::iter(vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("cut")),
            Ok(Bytes::from_static(b"cd")),
        ]);
        let broke = Arc::new(OnceLock::new());
        let items: Vec<_> = Exact::new(inner, None, broke.clone()).collect().await;
        assert_eq!(items.len(), 2);
        assert!(items[1].is_err());
        assert_eq!(broke.get().map(String::as_str), Some("cut"));
    }
}
