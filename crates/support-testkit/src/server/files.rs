//! Attachments in tests: servers with a blob store, uploads as the bot or a manager, and real
//! pictures to upload (a browser must be able to draw them).

use std::path::Path;
use std::sync::Arc;

use support_server::SupportServer;
use support_server::attachments::AttachmentLimits;
use support_server::blob::LocalBlobStore;
use support_server::storage::{DynStorage, SqliteStorage};

use super::{BOT_TOKEN, TestServer, bind, delivery_policy};

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    /// The bot, with the test bot token.
    Bot,
    /// A manager, with their session token.
    Manager(&'a str),
    /// Nobody.
    Anonymous,
}

impl TestServer {
    /// A server on a fresh SQLite file with a local blob store beside it (both removed with the
    /// server), with these attachment limits.
    pub async fn with_files(limits: AttachmentLimits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("support.db");
        let storage = SqliteStorage::open(db.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("the SQLite database opens");
        let storage: DynStorage = Arc::new(storage);
        let blobs = LocalBlobStore::open(dir.path().join("blobs"))
            .await
            .expect("the blob directory opens");
        let support = SupportServer::builder()
            .shared_storage(storage)
            .bot_token(BOT_TOKEN)
            .delivery(delivery_policy())
            .blob_store(blobs)
            .attachment_limits(limits)
            .build();
        let mut server = Self::start_on(support, bind(None).await).await;
        server.db = Some(db);
        server._dir = Some(dir);
        server
    }

    /// The blob directory of a [`TestServer::with_files`] server.
    pub fn blob_dir(&self) -> Option<std::path::PathBuf> {
        self.db
            .as_deref()
            .and_then(Path::parent)
            .map(|d| d.join("blobs"))
    }

    /// `POST /support/attachments/` with one `file` part (and a `kind` part when given).
    pub async fn upload(
        &self,
        who: As<'_>,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
        kind: Option<&str>,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("a valid MIME type");
        let mut form = reqwest::multipart::Form::new();
        if let Some(kind) = kind {
            form = form.text("kind", kind.to_owned());
        }
        self.upload_form(who, form.part("file", part)).await
    }

    /// `GET /support/attachments/{id}/` as `who` (`id` as the test has it: a number or JSON).
    pub async fn download(&self, who: As<'_>, id: impl std::fmt::Display) -> reqwest::Response {
        self.authorized(
            who,
            reqwest::Method::GET,
            &format!("/support/attachments/{id}/"),
        )
        .send()
        .await
        .unwrap()
    }

    /// `POST /support/attachments/` with any form (a test of a malformed one).
    pub async fn upload_form(
        &self,
        who: As<'_>,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        self.authorized(who, reqwest::Method::POST, "/support/attachments/")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// A request as `who`.
    pub fn authorized(
        &self,
        who: As<'_>,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match who {
            As::Bot => request.bearer_auth(BOT_TOKEN),
            As::Manager(token) => request.bearer_auth(token),
            As::Anonymous => request,
        }
    }
}

/// A real PNG of `width` x `height` pixels of one colour (uncompressed, so any size is exact):
/// something a browser draws, and whose bytes any type check recognises.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Each row: the filter byte (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(width as usize * 3))
        .collect();
    let raw = row.repeat(height as usize);
    // zlib with stored (uncompressed) blocks of at most 65,535 bytes.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("a stored block fits");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(*b"IHDR", ihdr), (*b"IDAT", zlib), (*b"IEND", Vec::new())] {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(&data);
        png.extend_from_slice(&crc_input);
        png.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
