//! [`ObjectBlobStore`]: blobs in any [`object_store::ObjectStore`] (S3 and S3-compatible, GCS,
//! Azure, or a local or in-memory store), for several server instances sharing one store
//! (feature `object-store`; the host enables the cloud it uses, e.g. `object_store/aws`, in its
//! own manifest and hands the store over).
//!
//! Layout under the prefix: `sha256/<64 hex>` for a blob, `tmp/<random>` for a body being
//! uploaded. A body is uploaded to a temporary object while its SHA-256 is computed (a multipart
//! upload once it passes one part), then renamed to its name (a server-side copy and a delete on
//! S3). Memory per upload stays bounded: parts of [`PART_BYTES`], at most
//! [`PARTS_IN_FLIGHT`] of them sent at once.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;

use super::{BlobError, BlobKey, BlobStore, ByteStream, StoredBlob};

/// The size of an upload's parts: S3's smallest part (bodies below it go up in one request).
pub const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts of one upload sent at once.
pub const PARTS_IN_FLIGHT: usize = 2;

/// A [`BlobStore`] over an [`ObjectStore`].
///
/// ```
/// use std::sync::Arc;
/// use support_server::blob::ObjectBlobStore;
/// // In production: `object_store::aws::AmazonS3Builder::from_env().with_bucket_name(...)`.
/// let blobs = ObjectBlobStore::new(Arc::new(object_store::memory::InMemory::new()), "support/blobs");
/// # let _ = blobs;
/// ```
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
}

fn store_error(err: object_store::Error) -> BlobError {
    BlobError::Store(std::io::Error::other(err))
}

impl ObjectBlobStore {
    /// Blobs under `prefix` (e.g. `support/blobs`; `""` for the store's root) of `store`.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> Self {
        Self {
            store,
            prefix: Path::from(prefix),
        }
    }

    fn path(&self, key: &BlobKey) -> Path {
        self.prefix.clone().join("sha256").join(key.hex())
    }

    /// Uploads `body` to `writer` while hashing and counting it, then completes the upload.
    async fn upload(
        writer: &mut BufWriter,
        mut body: ByteStream,
        limit: u64,
    ) -> Result<([u8; 32], u64), BlobError> {
        let mut metered = super::Metered::new(limit);
        while let Some(chunk) = body.next().await {
            let chunk = metered.take(chunk)?;
            writer.put(chunk).await.map_err(store_error)?;
        }
        let written = metered.finish()?;
        writer.shutdown().await.map_err(BlobError::Store)?;
        Ok(written)
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, body: ByteStream, limit: u64) -> Result<StoredBlob, BlobError> {
        let temp = self
            .prefix
            .clone()
            .join("tmp")
            .join(format!("{:032x}", rand::random::<u128>()).as_str());
        let mut writer = BufWriter::with_capacity(self.store.clone(), temp.clone(), PART_BYTES)
            .with_max_concurrency(PARTS_IN_FLIGHT);
        let (digest, size) = match Self::upload(&mut writer, body, limit).await {
            Ok(done) => done,
            Err(err) => {
                // Nothing of a refused body stays: the multipart upload is aborted (a body
                // smaller than one part was never sent).
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "blob store: aborting an upload failed");
                }
                let _ = self.store.delete(&temp).await;
                return Err(err);
            }
        };
        let key = BlobKey::from_digest(digest);
        let path = self.path(&key);
        match self.store.head(&path).await {
            // The same bytes already stored: keep that copy.
            Ok(_) => self.store.delete(&temp).await.map_err(store_error)?,
            Err(object_store::Error::NotFound { .. }) => {
                self.store.rename(&temp, &path).await.map_err(store_error)?;
            }
            Err(err) => {
                let _ = self.store.delete(&temp).await;
                return Err(store_error(err));
            }
        }
        Ok(StoredBlob { key, size })
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<(u64, ByteStream)>, BlobError> {
        match self.store.get(&self.path(key)).await {
            Ok(result) => {
                let size = result.meta.size;
                let stream: ByteStream =
                    Box::pin(result.into_stream().map_err(std::io::Error::other));
                Ok(Some((size, stream)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(store_error(err)),
        }
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError> {
        match self.store.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(store_error(err)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(store_error(err)),
        }
    }
}
