//! Both blob stores (real files; an in-memory object store): round trip, content addressing,
//! the limits, a body failing halfway, a 20 MiB body, and nothing left behind by any refusal.

use bytes::Bytes;
use futures_util::StreamExt;

use super::*;

/// A body of `chunks`, each `Ok` or a failure.
fn body(chunks: Vec<std::io::Result<&'static [u8]>>) -> ByteStream {
    Box::pin(futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| c.map(Bytes::from_static))
            .collect::<Vec<_>>(),
    ))
}

async fn read_all(stream: ByteStream) -> Vec<u8> {
    stream
        .map(|c| c.unwrap().to_vec())
        .collect::<Vec<_>>()
        .await
        .concat()
}

/// Every file under `dir`, recursively (what a refusal must not leave behind).
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// How many objects or files the store holds (what a refusal must not grow).
type Count<'a> = &'a (dyn Fn() -> futures_util::future::BoxFuture<'static, usize> + Sync);

async fn round_trips_under_the_sha256_of_its_bytes_once(store: &dyn BlobStore, count: Count<'_>) {
    let stored = store
        .put(body(vec![Ok(b"hel"), Ok(b"lo")]), 5)
        .await
        .unwrap();
    // sha256("hello")
    assert_eq!(
        stored.key.as_str(),
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(stored.size, 5);
    let (size, stream) = store.get(&stored.key).await.unwrap().unwrap();
    assert_eq!((size, read_all(stream).await), (5, b"hello".to_vec()));
    assert!(store.contains(&stored.key).await.unwrap());

    let again = store.put(body(vec![Ok(b"hello")]), 5).await.unwrap();
    assert_eq!(again, stored);
    assert_eq!(
        count().await,
        1,
        "the same bytes once, nothing temporary left"
    );

    store.delete(&stored.key).await.unwrap();
    assert!(store.get(&stored.key).await.unwrap().is_none());
    assert!(!store.contains(&stored.key).await.unwrap());
    store.delete(&stored.key).await.unwrap();
    assert_eq!(count().await, 0);
}

async fn refused_bodies_leave_nothing_behind(store: &dyn BlobStore, count: Count<'_>) {
    assert!(matches!(
        store.put(body(vec![Ok(b"12345"), Ok(b"6")]), 5).await,
        Err(BlobError::TooLarge { limit: 5 })
    ));
    assert!(matches!(
        store.put(body(vec![]), 5).await,
        Err(BlobError::Empty)
    ));
    assert!(matches!(
        store.put(body(vec![Ok(b""), Ok(b"")]), 5).await,
        Err(BlobError::Empty)
    ));
    let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client gone");
    assert!(matches!(
        store.put(body(vec![Ok(b"half"), Err(cut)]), 100).await,
        Err(BlobError::Body(_))
    ));
    // Past one upload part before the limit (a multipart upload in an object store).
    static MIB: [u8; 1024 * 1024] = [1; 1024 * 1024];
    let big: Vec<std::io::Result<&'static [u8]>> = (0..7).map(|_| Ok(&MIB[..])).collect();
    assert!(matches!(
        store.put(body(big), 6 * 1024 * 1024).await,
        Err(BlobError::TooLarge { .. })
    ));
    assert_eq!(count().await, 0);
}

async fn a_large_body_streams_through_in_chunks(store: &dyn BlobStore) {
    // 20 MiB (Telegram's download limit for bots) in 64 KiB chunks.
    static CHUNK: [u8; 64 * 1024] = [7; 64 * 1024];
    let chunks: Vec<std::io::Result<&'static [u8]>> = (0..320).map(|_| Ok(&CHUNK[..])).collect();
    let limit = 20 * 1024 * 1024;
    let stored = store.put(body(chunks), limit).await.unwrap();
    assert_eq!(stored.size, limit);
    let (size, mut stream) = store.get(&stored.key).await.unwrap().unwrap();
    assert_eq!(size, limit);
    let mut total = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().all(|b| *b == 7));
        total += chunk.len();
    }
    assert_eq!(total as u64, limit);
}

#[tokio::test]
async fn local_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).await.unwrap();
    let root = dir.path().to_path_buf();
    let count = move || -> futures_util::future::BoxFuture<'static, usize> {
        let n = files(&root).len();
        Box::pin(async move { n })
    };
    round_trips_under_the_sha256_of_its_bytes_once(&store, &count).await;
    refused_bodies_leave_nothing_behind(&store, &count).await;
    a_large_body_streams_through_in_chunks(&store).await;
}

#[cfg(feature = "object-store")]
#[tokio::test]
async fn object_store() {
    use object_store::ObjectStore;
    let memory = std::sync::Arc::new(object_store::memory::InMemory::new());
    let store = ObjectBlobStore::new(memory.clone(), "support/blobs");
    let count = move || -> futures_util::future::BoxFuture<'static, usize> {
        let memory = memory.clone();
        Box::pin(async move { memory.list(None).count().await })
    };
    round_trips_under_the_sha256_of_its_bytes_once(&store, &count).await;
    refused_bodies_leave_nothing_behind(&store, &count).await;
    a_large_body_streams_through_in_chunks(&store).await;
}

#[tokio::test]
async fn a_crash_s_half_written_bodies_are_deleted_at_open() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
    std::fs::write(dir.path().join("tmp/0123.part"), b"half").unwrap();
    LocalBlobStore::open(dir.path()).await.unwrap();
    assert!(files(dir.path()).is_empty());
}

#[test]
fn keys_parse_only_in_their_exact_form() {
    let hex = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert!(BlobKey::parse(&format!("sha256:{hex}")).is_some());
    for bad in [
        hex.to_owned(),
        format!("sha256:{}", &hex[..63]),
        format!("sha256:{hex}0"),
        format!("SHA256:{hex}"),
        format!("sha256:{}", hex.to_uppercase()),
        format!("sha256:../{}", &hex[3..]),
        format!("sha256:{}/x", &hex[..62]),
        format!(" sha256:{hex}"),
        "sha256:".to_owned(),
        String::new(),
    ] {
        assert!(BlobKey::parse(&bad).is_none(), "{bad:?}");
    }
}
