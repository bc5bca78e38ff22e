//! Where the push task keeps its position in the reply stream \[B8\], so a restart neither loses
//! nor repeats a reply.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::error::CursorError;

/// Keeps the cursor of the last reply delivered to Telegram. The push task saves it only after
/// the delivery, and reconnects from the saved value.
#[async_trait]
pub trait CursorStore: Send + Sync {
    /// The saved cursor, or `None` when nothing was delivered yet (the push task then starts
    /// "from now").
    async fn load(&self) -> Result<Option<u64>, CursorError>;
    /// Saves the cursor durably.
    async fn save(&self, cursor: u64) -> Result<(), CursorError>;
}

/// A cursor in memory: lost when the process exits (tests, demos). Clones share the value.
///
/// ```
/// # tokio_test_block_on(async {
/// use support_bot::{CursorStore, MemoryCursorStore};
/// let store = MemoryCursorStore::new();
/// assert_eq!(store.load().await.unwrap(), None);
/// store.save(7).await.unwrap();
/// assert_eq!(store.get(), Some(7));
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryCursorStore {
    cursor: Arc<Mutex<Option<u64>>>,
}

impl MemoryCursorStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current value.
    pub fn get(&self) -> Option<u64> {
        *self.cursor.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl CursorStore for MemoryCursorStore {
    async fn load(&self) -> Result<Option<u64>, CursorError> {
        Ok(self.get())
    }

    async fn save(&self, cursor: u64) -> Result<(), CursorError> {
        *self.cursor.lock().unwrap_or_else(|p| p.into_inner()) = Some(cursor);
        Ok(())
    }
}

/// A cursor in a small text file. Saving writes a temporary file next to it, syncs it and
/// renames it over the old one, so a crash leaves either the old or the new value, never a torn
/// one.
#[derive(Debug, Clone)]
pub struct FileCursorStore {
    path: PathBuf,
}

impl FileCursorStore {
    /// A store at `path` (created on the first save; its directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> CursorError {
        CursorError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn load_sync(&self) -> Result<Option<u64>, CursorError> {
        let content = match std::fs::read_to_string(&self.path) {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let trimmed = content.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        trimmed.parse().map(Some).map_err(|_| CursorError::Corrupt {
            path: self.path.display().to_string(),
            content: trimmed.chars().take(40).collect(),
        })
    }

    fn save_sync(&self, cursor: u64) -> Result<(), CursorError> {
        use std::io::Write;
        let mut tmp_name = self.path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".tmp");
        let tmp = self.path.with_file_name(tmp_name);
        let mut file = std::fs::File::create(&tmp).map_err(|e| self.io(e))?;
        file.write_all(format!("{cursor}\n").as_bytes())
            .map_err(|e| self.io(e))?;
        file.sync_all().map_err(|e| self.io(e))?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))?;
        // Make the rename itself durable (best effort: not every platform can open a directory).
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[async_trait]
impl CursorStore for FileCursorStore {
    async fn load(&self) -> Result<Option<u64>, CursorError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.load_sync())
            .await
            .map_err(|e| self.io(std::io::Error::other(e)))?
    }

    async fn save(&self, cursor: u64) -> Result<(), CursorError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.save_sync(cursor))
            .await
            .map_err(|e| self.io(std::io::Error::other(e)))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_round_trips_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor");
        let store = FileCursorStore::new(&path);
        assert_eq!(store.load().await.unwrap(), None);
        store.save(41).await.unwrap();
        store.save(42).await.unwrap();
        assert_eq!(FileCursorStore::new(&path).load().await.unwrap(), Some(42));
        assert!(!dir.path().join("cursor.tmp").exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
    }

    #[tokio::test]
    async fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor");
        std::fs::write(&path, "forty-two").unwrap();
        let err = FileCursorStore::new(&path).load().await.unwrap_err();
        assert!(err.to_string().contains("cursor"), "{err}");
        assert!(matches!(err, CursorError::Corrupt { .. }));
    }

    #[tokio::test]
    async fn memory_store_is_shared_by_clones() {
        let a = MemoryCursorStore::new();
        let b = a.clone();
        a.save(3).await.unwrap();
        assert_eq!(b.load().await.unwrap(), Some(3));
    }
}
