//! The attachment routes (extension): an upload, and a file's bytes.

use serde_json::json;
use support_protocol::{Attachment, AttachmentKind};

use super::Common;
use crate::config::SupportConfig;
use crate::contract::openapi::{Access, Operation, Paths, Schemas};

pub(super) fn routes(
    config: &SupportConfig,
    schemas: &mut Schemas,
    paths: &mut Paths,
    common: &Common,
) {
    let upload = format!("{}/attachments/", config.mount);
    let file = format!("{}/attachments/{{id}}/", config.mount);
    let op = Operation::new(
        "attachments",
        "uploadAttachment",
        "Upload a file (extension)",
        Access::BotOrManager,
        config,
    )
    .describe(
        "One file, streamed into the server's blob store, in no message yet: send it by naming \
         `{\"upload\": id}` in a message's `attachments`. Only its uploader may send it, once; \
         one never sent is deleted after a day. A picture declared as PNG, JPEG, GIF or WebP \
         (or sent as a `photo`) must be one. Tokenless clients may not upload.",
    )
    .multipart(
        &[
            ("kind", schemas.read::<AttachmentKind>(), false),
            ("file", json!({"type": "string", "format": "binary"}), true),
        ],
        "`kind` (optional, before `file`): the attachment kind, by default from the file's \
         type; `file`: the file, with its name and declared type.",
    )
    .json(201, "The upload.", schemas.written::<Attachment>())
    .json(
        400,
        "No file, an empty file, a second file, a picture that is not what it says, a body \
         cut off or malformed.",
        common.error.clone(),
    )
    .json(403, "A tokenless client, or CSRF.", common.detail.clone())
    .json(
        413,
        "The file is larger than the limit, which the text names.",
        common.detail.clone(),
    )
    .json(415, "Not `multipart/form-data`.", common.detail.clone())
    .json(
        503,
        "No blob store, the store failed, or too many uploads at once.",
        common.detail.clone(),
    )
    .json(
        401,
        "No credentials, or an invalid token.",
        common.detail.clone(),
    );
    paths.add(&upload, "post", op);

    let op = Operation::new(
        "attachments",
        "getAttachment",
        "A file's bytes (extension)",
        Access::BotOrManager,
        config,
    )
    .describe(
        "Served so it can never run as a page: `Content-Type` only for pictures, sounds, \
         videos, PDF and plain text (else `application/octet-stream`), `Content-Disposition: \
         inline` only for PNG, JPEG, GIF and WebP, `X-Content-Type-Options: nosniff`, a \
         sandboxing CSP; cached privately, `ETag` the content's SHA-256 (304 on \
         `If-None-Match`).",
    )
    .path("id", "The attachment id.")
    .content(200, "The file.", "application/octet-stream")
    .header(
        200,
        "Content-Disposition",
        "`inline` or `attachment`, with the file's name.",
    )
    .header(200, "ETag", "The SHA-256 of the content.")
    .empty(304, "Not modified.")
    .json(403, "A tokenless client.", common.detail.clone());
    let op = common.not_found(
        op,
        "No such attachment, another client's unsent upload, or a file only Telegram holds.",
    );
    paths.add(&file, "get", common.authenticated(op));
}
