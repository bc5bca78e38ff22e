//! The in-process hub (the default): one broadcast channel.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{EventHub, HubError, HubEvent};

/// The default queue length of each subscriber. A manager connection more than this many events
/// behind is a slow consumer and is closed with 1013 \[W8\]; 1,024 events is several seconds of a
/// busy desk, far more than a healthy client ever lags.
pub const DEFAULT_CAPACITY: usize = 1024;

/// An in-process [`EventHub`]: events reach the subscribers of this process only.
#[derive(Debug, Clone)]
pub struct LocalHub {
    sender: broadcast::Sender<Arc<HubEvent>>,
}

impl LocalHub {
    /// A hub whose subscribers may lag `capacity` events before they are dropped.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }

    /// Delivers to local subscribers (also used by broker hubs for events they receive).
    pub fn deliver(&self, event: Arc<HubEvent>) {
        // No subscriber is not an error: nobody is connected.
        let _ = self.sender.send(event);
    }
}

impl Default for LocalHub {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[async_trait]
impl EventHub for LocalHub {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        self.deliver(Arc::new(event));
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.sender.subscribe()
    }
}
