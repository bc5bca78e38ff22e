//! The shared state behind every route: a cheap `Clone` handle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::auth::{BuiltinAuth, ManagerAuth};
use crate::blob::BlobStore;
use crate::config::SupportConfig;
use crate::directory::UserDirectory;
use crate::hub::SequencedHub;
use crate::metrics::SocketKind;
use crate::storage::DynStorage;

/// Everything the handlers share. Cloning is one `Arc` increment.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) storage: DynStorage,
    pub(crate) hub: SequencedHub,
    pub(crate) manager_auth: Arc<dyn ManagerAuth>,
    /// The built-in authentication when it is the manager auth (serves the login routes).
    pub(crate) builtin_auth: Option<BuiltinAuth>,
    pub(crate) directory: Arc<dyn UserDirectory>,
    pub(crate) config: SupportConfig,
    /// Cancelled on graceful shutdown: websocket tasks close with 1001.
    pub(crate) shutdown: tokio_util::sync::CancellationToken,
    /// Manager websockets open on this instance.
    pub(crate) managers_open: AtomicUsize,
    /// Bot websockets open on this instance.
    pub(crate) bots_open: AtomicUsize,
    /// Where attachments' bytes live; `None`: uploads are refused (503).
    pub(crate) blobs: Option<Arc<dyn BlobStore>>,
    /// Turns for uploads streaming at once (`AttachmentLimits::concurrent_uploads`).
    pub(crate) upload_turns: tokio::sync::Semaphore,
    /// When managers' typing reports were last passed on.
    pub(crate) typing: crate::ws::typing::TypingThrottle,
}

impl AppState {
    pub(crate) fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// The storage backend.
    pub fn storage(&self) -> &DynStorage {
        &self.0.storage
    }

    /// The throttle of managers' typing reports.
    pub(crate) fn typing(&self) -> &crate::ws::typing::TypingThrottle {
        &self.0.typing
    }

    /// The event hub, its events numbered for resumption.
    pub fn hub(&self) -> &SequencedHub {
        &self.0.hub
    }

    /// The manager authentication.
    pub fn manager_auth(&self) -> &Arc<dyn ManagerAuth> {
        &self.0.manager_auth
    }

    /// The built-in manager authentication, when it is in use (the default).
    pub fn builtin_auth(&self) -> Option<&BuiltinAuth> {
        self.0.builtin_auth.as_ref()
    }

    /// The user directory.
    pub fn directory(&self) -> &Arc<dyn UserDirectory> {
        &self.0.directory
    }

    /// The configuration.
    pub fn config(&self) -> &SupportConfig {
        &self.0.config
    }

    /// How many websockets of each kind are open on this instance: `(managers, bots)`.
    pub fn open_sockets(&self) -> (usize, usize) {
        (
            self.0.managers_open.load(Ordering::Relaxed),
            self.0.bots_open.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn socket_count(&self, kind: SocketKind) -> &AtomicUsize {
        match kind {
            SocketKind::Manager => &self.0.managers_open,
            SocketKind::Bot => &self.0.bots_open,
        }
    }

    /// The blob store of attachments, if the server has one.
    pub fn blobs(&self) -> Option<&Arc<dyn BlobStore>> {
        self.0.blobs.as_ref()
    }

    pub(crate) fn upload_turns(&self) -> &tokio::sync::Semaphore {
        &self.0.upload_turns
    }

    /// The shutdown signal shared by long-lived tasks (websockets).
    pub fn shutdown_token(&self) -> &tokio_util::sync::CancellationToken {
        &self.0.shutdown
    }
}
