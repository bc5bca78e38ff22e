//! Deleting uploads that no message claimed in time, and the blobs no attachment uses any more.
//!
//! An upload is claimed by a message within seconds when a client uploads and sends; one left
//! unsent (a closed tab, a cancelled message) would otherwise keep its bytes forever. The purge
//! deletes such uploads after [`AttachmentLimits::unsent_ttl`](super::AttachmentLimits) in
//! batches, then deletes each blob that no attachment row references any more. A blob that
//! another attachment shares (the same bytes uploaded twice) stays.

use support_protocol::Timestamp;

use crate::blob::BlobKey;
use crate::state::AppState;

/// Uploads deleted per storage call.
const BATCH: u32 = 500;

/// Purges unsent uploads older than the limits allow; returns how many blobs it deleted.
pub(crate) async fn purge_once(state: &AppState) -> usize {
    let ttl = state.config().attachments.unsent_ttl;
    let micros = Timestamp::now()
        .unix_micros()
        .saturating_sub(i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX));
    let Ok(before) = Timestamp::from_unix_micros(micros.max(0)) else {
        return 0;
    };
    let mut deleted = 0;
    loop {
        let (purged, blobs) = match state.storage().purge_unsent(before, BATCH).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "purging unsent uploads failed");
                return deleted;
            }
        };
        if let Some(store) = state.blobs() {
            for blob in blobs.iter().filter_map(|b| BlobKey::parse(b)) {
                match store.delete(&blob).await {
                    Ok(()) => deleted += 1,
                    Err(error) => tracing::warn!(%error, %blob, "deleting an unused blob failed"),
                }
            }
        }
        crate::metrics::uploads_purged(usize::try_from(purged).unwrap_or(usize::MAX));
        if purged < u64::from(BATCH) {
            return deleted;
        }
    }
}
