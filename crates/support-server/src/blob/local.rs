//! [`LocalBlobStore`]: blobs as files in a directory of the server's own.
//!
//! Layout: `<dir>/sha256/<2 hex>/<62 hex>` for a blob (a fan-out level keeps directories small),
//! `<dir>/tmp/` for bodies being written. A body is written to a temporary file while its
//! SHA-256 is computed, fsynced, then renamed to its name (atomic on one file system) and the
//! directory fsynced: a crash leaves either the whole blob or a temporary file, which the next
//! start deletes. Names come only from the digest, never from a client.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{BlobError, BlobKey, BlobStore, ByteStream, StoredBlob};

/// A [`BlobStore`] in a local directory.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Opens (creating it if missing) the store in `dir`, and deletes bodies a crash left half
    /// written.
    pub async fn open(dir: impl AsRef<Path>) -> Result<Self, BlobError> {
        let root = dir.as_ref().to_path_buf();
        let tmp = root.join("tmp");
        if tokio::fs::try_exists(&tmp)
            .await
            .map_err(BlobError::Store)?
        {
            tokio::fs::remove_dir_all(&tmp)
                .await
                .map_err(BlobError::Store)?;
        }
        tokio::fs::create_dir_all(&tmp)
            .await
            .map_err(BlobError::Store)?;
        tokio::fs::create_dir_all(root.join("sha256"))
            .await
            .map_err(BlobError::Store)?;
        Ok(Self { root })
    }

    /// The file of a blob.
    fn path(&self, key: &BlobKey) -> PathBuf {
        let hex = key.hex();
        self.root.join("sha256").join(&hex[..2]).join(&hex[2..])
    }

    /// Writes `body` to `file` while hashing and counting it, then fsyncs it.
    async fn write(
        file: &mut tokio::fs::File,
        mut body: ByteStream,
        limit: u64,
    ) -> Result<([u8; 32], u64), BlobError> {
        let mut metered = super::Metered::new(limit);
        while let Some(chunk) = body.next().await {
            let chunk = metered.take(chunk)?;
            file.write_all(&chunk).await.map_err(BlobError::Store)?;
        }
        let written = metered.finish()?;
        file.flush().await.map_err(BlobError::Store)?;
        file.sync_all().await.map_err(BlobError::Store)?;
        Ok(written)
    }
}

/// A temporary file that is deleted unless it was renamed into place (on every refusal and
/// error, and if the request is cancelled mid-body). The delete is a blocking call, as `Drop`
/// cannot await; it is one unlink.
struct Temp(Option<PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, body: ByteStream, limit: u64) -> Result<StoredBlob, BlobError> {
        let name = format!("{:032x}.part", rand::random::<u128>());
        let temp_path = self.root.join("tmp").join(name);
        let temp = Temp(Some(temp_path.clone()));
        let mut file = tokio::fs::File::create(&temp_path)
            .await
            .map_err(BlobError::Store)?;
        let (digest, size) = Self::write(&mut file, body, limit).await?;
        drop(file);
        let key = BlobKey::from_digest(digest);
        let path = self.path(&key);
        let parent = path.parent().unwrap_or(&self.root).to_path_buf();
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(BlobError::Store)?;
        // The same bytes already stored: keep that copy (the temporary file goes with `temp`).
        if !tokio::fs::try_exists(&path)
            .await
            .map_err(BlobError::Store)?
        {
            tokio::fs::rename(&temp_path, &path)
                .await
                .map_err(BlobError::Store)?;
            let mut temp = temp;
            temp.0 = None;
            // The rename itself survives a power cut once its directory is synced.
            let dir = tokio::fs::File::open(&parent)
                .await
                .map_err(BlobError::Store)?;
            dir.sync_all().await.map_err(BlobError::Store)?;
        }
        Ok(StoredBlob { key, size })
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<(u64, ByteStream)>, BlobError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(BlobError::Store(err)),
        };
        let size = file.metadata().await.map_err(BlobError::Store)?.len();
        let stream: ByteStream = Box::pin(tokio_util::io::ReaderStream::new(file));
        Ok(Some((size, stream)))
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError> {
        tokio::fs::try_exists(self.path(key))
            .await
            .map_err(BlobError::Store)
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(BlobError::Store(err)),
        }
    }
}
