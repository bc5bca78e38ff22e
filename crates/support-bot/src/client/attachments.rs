//! Attachments over REST (issue 16): a file uploaded as it streams in
//! ([`SupportClient::upload_file`]), a stored file downloaded as a stream
//! ([`SupportClient::download_attachment`]), and messages and tickets that carry attachments.

use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};
use support_protocol::{
    Attachment, AttachmentKind, Message, NewAttachment, NewMessage, NewTicket, TelegramId, Ticket,
    TicketId, validate_caption, validate_text, validate_title,
};

use super::{Answer, SupportClient, Writer, decode, read_answer};
use crate::error::{ClientError, Result};

/// How long one upload may take, start to end. The client's own timeout
/// ([`SupportConfig::timeout`](crate::SupportConfig::timeout), seconds) is for JSON calls; a
/// 20 MB file copied from Telegram on a slow link needs minutes.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// What is known of a file before its bytes, for [`SupportClient::upload_file`]: the
/// attachment kind (the upload's `kind` part; without it the server infers the kind from the
/// bytes), the file's name and type (the `file` part's), and its size when known (then the
/// request has a `Content-Length`, and the server refuses a file over its limit before reading
/// it).
///
/// ```
/// use support_bot::client::FileUpload;
/// use support_bot::protocol::AttachmentKind;
/// let file = FileUpload::new().kind(AttachmentKind::Voice).mime_type("audio/ogg").size(5120);
/// assert_eq!(file.size, Some(5120));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileUpload {
    /// The attachment kind.
    pub kind: Option<AttachmentKind>,
    /// The file's name.
    pub file_name: Option<String>,
    /// The MIME type (`image/png`); ignored unless it looks like one.
    pub mime_type: Option<String>,
    /// The exact size in bytes; the stream must then yield exactly that many.
    pub size: Option<u64>,
}

impl FileUpload {
    /// Nothing known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`Self::kind`].
    pub fn kind(mut self, kind: AttachmentKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Sets [`Self::file_name`].
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets [`Self::mime_type`].
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Sets [`Self::size`].
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// The multipart form: `kind` (when known), then `file` streaming `body`.
    fn form(&self, body: reqwest::Body) -> Form {
        let mut part = match self.size {
            Some(size) => Part::stream_with_length(body, size),
            None => Part::stream(body),
        };
        if let Some(name) = &self.file_name {
            part = part.file_name(name.clone());
        }
        // As a header, not `mime_str`, which consumes the part when the type does not parse: a
        // type that is not a valid header value is left out, the file still goes.
        if let Some(mime) = &self.mime_type {
            match HeaderValue::from_str(mime) {
                Ok(value) => {
                    let mut headers = HeaderMap::new();
                    headers.insert(CONTENT_TYPE, value);
                    part = part.headers(headers);
                }
                Err(_) => tracing::debug!(mime, "a malformed MIME type left out of an upload"),
            }
        }
        let mut form = Form::new();
        if let Some(kind) = &self.kind {
            form = form.text("kind", kind.as_str().to_owned());
        }
        form.part("file", part)
    }
}

impl SupportClient {
    /// The bytes of an attachment the server keeps (`GET attachments/{id}/`), as a stream: a
    /// manager's file on its way to Telegram. Errors as the other calls (404 when the server
    /// keeps no copy).
    pub async fn download_attachment(
        &self,
        id: support_protocol::AttachmentId,
    ) -> Result<reqwest::Response> {
        let config = &self.inner.config;
        let url = config
            .rest_base()
            .join(&format!("attachments/{id}/"))
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let mut request = self.inner.http.get(url);
        if let Some(token) = config.token() {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(ClientError::Unreachable)?;
        if response.status().is_success() {
            return Ok(response);
        }
        // The error body, read as the other calls read it.
        match read_answer::<serde_json::Value>(response).await {
            Err(err) => Err(err),
            Ok(_) => Err(ClientError::Decode("a success without a body".to_owned())),
        }
    }

    /// Uploads one file (`POST attachments/`, multipart), streaming `body` as it comes: nothing
    /// is buffered beyond reqwest's own chunks. The answer is the [`Attachment`], in no message
    /// yet: name it in a message with [`NewAttachment::upload`] (an upload no message claims is
    /// deleted by the server after a day).
    ///
    /// Not retried: the stream cannot be read twice. An error of `body` aborts the request (the
    /// server keeps nothing) and comes back as [`ClientError::Unreachable`]. The request may
    /// take up to five minutes, whatever the client's timeout.
    pub async fn upload_file<S, E>(&self, file: &FileUpload, body: S) -> Result<Attachment>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        let config = &self.inner.config;
        let url = config
            .rest_base()
            .join("attachments/")
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let form = file.form(reqwest::Body::wrap_stream(body));
        let mut request = self
            .inner
            .http
            .request(Method::POST, url)
            .timeout(UPLOAD_TIMEOUT)
            .multipart(form);
        if let Some(token) = config.token() {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(ClientError::Unreachable)?;
        let answer: Answer<Attachment> = read_answer(response).await?;
        Ok(answer.value)
    }

    /// Posts a user message with `attachments` (at most
    /// [`MAX_ATTACHMENTS`](support_protocol::MAX_ATTACHMENTS)): uploads of this client, files
    /// Telegram holds, locations, contacts. With attachments `text` is a caption and may be
    /// empty; without, it is [`Self::send_message_with_language`].
    pub async fn send_message_with_attachments(
        &self,
        ticket: TicketId,
        text: &str,
        attachments: Vec<NewAttachment>,
        writer: &Writer,
    ) -> Result<Message> {
        let text = checked_text(text, &attachments)?;
        let body = NewMessage {
            text,
            sender: None,
            attachments,
            user: None,
        };
        let body = writer.add_to(serde_json::to_value(&body).map_err(decode)?);
        let path = format!("tickets/{ticket}/messages/");
        let answer = self.call(Method::POST, &path, &[], Some(body)).await?;
        Ok(answer.value)
    }

    /// Opens a ticket whose first message carries `attachments` (`text` is then a caption and
    /// may be empty); see [`Self::create_ticket_with_language`].
    pub async fn create_ticket_with_attachments(
        &self,
        user: TelegramId,
        title: &str,
        text: &str,
        attachments: Vec<NewAttachment>,
        writer: &Writer,
    ) -> Result<Ticket> {
        let title = validate_title(title)?;
        let text = checked_text(text, &attachments)?;
        let body = NewTicket {
            user_id: user,
            title,
            text: Some(text.clone()),
            attachments: attachments.clone(),
            user: None,
            viewed: None,
        };
        let body = writer.add_to(serde_json::to_value(&body).map_err(decode)?);
        let answer: Answer<Ticket> = self.call(Method::POST, "tickets/", &[], Some(body)).await?;
        if !answer.ours {
            tracing::debug!(ticket = %answer.value.id, "server without the one-call extension: posting the first message separately");
            self.send_message_with_attachments(answer.value.id, &text, attachments, writer)
                .await?;
        }
        Ok(answer.value)
    }
}

/// A message's text: a caption (may be empty) with attachments, else non-blank text.
fn checked_text(text: &str, attachments: &[NewAttachment]) -> Result<String> {
    Ok(if attachments.is_empty() {
        validate_text(text)?
    } else {
        validate_caption(text)?
    })
}
