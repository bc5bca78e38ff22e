//! Blob storage for attachments (issue 16): files live behind [`BlobStore`], addressed by the
//! SHA-256 of their content ([`BlobKey`]), written and read as streams.
//!
//! | backend | type | where |
//! |---|---|---|
//! | a local directory (embedded, zero set-up) | [`LocalBlobStore`] | always |
//! | any `object_store` (S3, GCS, Azure, ...), for several instances | `ObjectBlobStore` | `object-store` |
//!
//! What every backend promises:
//! - **Content-addressed.** A blob's key is `sha256:<64 hex digits>` of its bytes, computed while
//!   it is written; storing the same bytes twice stores them once. A key is never a path a client
//!   chose: [`BlobKey::parse`] takes only that exact form, and backends derive their own names
//!   from the digest.
//! - **Streamed.** [`BlobStore::put`] reads the body chunk by chunk and never holds the whole
//!   file; [`BlobStore::get`] hands back a stream.
//! - **Bounded.** `put` stops reading once the body passes its `limit` and keeps nothing of it
//!   ([`BlobError::TooLarge`]); an empty body is refused ([`BlobError::Empty`]); a body that
//!   fails halfway ([`BlobError::Body`]) leaves nothing behind either.
//! - **Durable.** `put` returns once the blob is stored under its final name (on disk: fsynced;
//!   in an object store: the upload completed).

mod local;
#[cfg(feature = "object-store")]
mod object;

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;

pub use local::LocalBlobStore;
#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use object::{ObjectBlobStore, PART_BYTES, PARTS_IN_FLIGHT};

/// A stream of a blob's bytes (a request body, a download from Telegram, a stored file).
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// A blob's address: the SHA-256 of its content, as `sha256:<64 lowercase hex digits>`.
///
/// ```
/// use support_server::blob::BlobKey;
/// let key = BlobKey::parse("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824").unwrap();
/// assert_eq!(key.hex(), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
/// assert!(BlobKey::parse("sha256:../../etc/passwd").is_none());
/// assert!(BlobKey::parse("sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

impl BlobKey {
    const PREFIX: &'static str = "sha256:";

    /// The key of a SHA-256 digest.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(format!("{}{}", Self::PREFIX, hex::encode(digest)))
    }

    /// A key in its exact form, or `None`: nothing else (no other case, no path, no spaces).
    pub fn parse(raw: &str) -> Option<Self> {
        let hex = raw.strip_prefix(Self::PREFIX)?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(raw.to_owned()))
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0[Self::PREFIX.len()..]
    }

    /// The whole key, `sha256:...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A blob as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Its address.
    pub key: BlobKey,
    /// Its size in bytes.
    pub size: u64,
}

/// Why a blob could not be stored or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// The body had no bytes.
    #[error("the file is empty")]
    Empty,
    /// The body passed the limit; nothing of it was kept.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The body failed before its end (a client gone, a download cut); nothing of it was kept.
    #[error("the file could not be read to its end: {0}")]
    Body(#[source] std::io::Error),
    /// The store itself failed (a full disk, permissions).
    #[error("blob store error: {0}")]
    Store(#[source] std::io::Error),
}

/// The bounds every backend applies to a body as it reads it: the SHA-256 and size so far,
/// `TooLarge` at the first chunk past the limit, `Body` for a failing body, `Empty` at the end
/// of an empty one. Each backend loops over the body, calling [`Metered::take`] on every chunk
/// before writing it, then [`Metered::finish`].
pub(crate) struct Metered {
    hasher: sha2::Sha256,
    size: u64,
    limit: u64,
}

impl Metered {
    pub(crate) fn new(limit: u64) -> Self {
        use sha2::Digest;
        Self {
            hasher: sha2::Sha256::new(),
            size: 0,
            limit,
        }
    }

    /// Counts and hashes one chunk of the body, or says why the body is refused.
    pub(crate) fn take(&mut self, chunk: std::io::Result<Bytes>) -> Result<Bytes, BlobError> {
        use sha2::Digest;
        let chunk = chunk.map_err(BlobError::Body)?;
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(BlobError::TooLarge { limit: self.limit });
        }
        self.hasher.update(&chunk);
        Ok(chunk)
    }

    /// The body's digest and size, once it has ended.
    pub(crate) fn finish(self) -> Result<([u8; 32], u64), BlobError> {
        use sha2::Digest;
        if self.size == 0 {
            return Err(BlobError::Empty);
        }
        Ok((self.hasher.finalize().into(), self.size))
    }
}

/// Where attachments' bytes live. Object safe: use it as `Arc<dyn BlobStore>`.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `body`, at most `limit` bytes, and returns its key and size once it is durable.
    async fn put(&self, body: ByteStream, limit: u64) -> Result<StoredBlob, BlobError>;

    /// The blob's size and bytes, or `None` when the store does not hold it.
    async fn get(&self, key: &BlobKey) -> Result<Option<(u64, ByteStream)>, BlobError>;

    /// Whether the store holds the blob.
    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError>;

    /// Deletes the blob (nothing if it is absent).
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
}

#[cfg(test)]
mod tests;
