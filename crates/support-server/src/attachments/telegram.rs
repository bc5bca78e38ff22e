//! A file only Telegram holds, fetched through the Bot API when the server is given the bot's
//! token (feature `telegram-files`): `getFile`, then the download, streamed through to the
//! manager without being stored.
//!
//! For files the bot did not copy into the blob store (copying off, or a copy that failed): a
//! user's screenshot is still viewable in the console for as long as Telegram keeps it. Telegram
//! lets a bot download files of up to 20 MB; a larger one is answered with a clear 502.

use std::fmt;
use std::time::Duration;

use futures_util::TryStreamExt;

use crate::blob::ByteStream;
use crate::error::ApiError;

/// Telegram's Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// How the server reaches the Bot API for files: the bot's token (a secret: never in `Debug`
/// or logs) and the API's URL (a local Bot API server, or a test's fake).
#[derive(Clone)]
pub struct TelegramFiles {
    token: String,
    api_url: String,
    http: reqwest::Client,
}

impl fmt::Debug for TelegramFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramFiles")
            .field("token", &"[redacted]")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl TelegramFiles {
    /// The Bot API at `api_url` (e.g. [`DEFAULT_API_URL`]) with the bot's `token`.
    pub fn new(token: impl Into<String>, api_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // The metadata call; a download's body has no overall deadline (it streams), but
            // each read must make progress.
            .read_timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self {
            token: token.into(),
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// The file's size (when Telegram says it) and bytes.
    pub(crate) async fn fetch(&self, file_id: &str) -> Result<(Option<u64>, ByteStream), ApiError> {
        #[derive(serde::Deserialize)]
        struct Answer {
            ok: bool,
            #[serde(default)]
            description: Option<String>,
            #[serde(default)]
            result: Option<File>,
        }
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            file_path: Option<String>,
        }
        let unreachable = |err: reqwest::Error| {
            // The URL holds the token: log the error without it.
            tracing::warn!(error = %err.without_url(), "the Telegram Bot API could not be reached for a file");
            ApiError::BadGateway(
                "Telegram could not be reached for the file; try again later.".to_owned(),
            )
        };
        let answer: Answer = self
            .http
            .post(format!("{}/bot{}/getFile", self.api_url, self.token))
            .json(&serde_json::json!({ "file_id": file_id }))
            .send()
            .await
            .map_err(unreachable)?
            .json()
            .await
            .map_err(unreachable)?;
        let path = match answer {
            Answer {
                ok: true,
                result: Some(File {
                    file_path: Some(path),
                }),
                ..
            } => path,
            Answer { description, .. } => {
                let description = description.unwrap_or_default();
                return Err(ApiError::BadGateway(if description.contains("too big") {
                    "Telegram does not let bots download files over 20 MB; this one is only in \
                     the user's chat."
                        .to_owned()
                } else {
                    format!("Telegram did not give the file: {description}")
                }));
            }
        };
        let response = self
            .http
            .get(format!("{}/file/bot{}/{}", self.api_url, self.token, path))
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(ApiError::BadGateway(format!(
                "Telegram answered {} for the file.",
                response.status().as_u16()
            )));
        }
        let size = response.content_length();
        let body: ByteStream = Box::pin(
            response
                .bytes_stream()
                .map_err(|e| std::io::Error::other(e.without_url())),
        );
        Ok((size, body))
    }
}
