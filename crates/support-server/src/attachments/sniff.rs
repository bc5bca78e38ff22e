//! What a file is, told from its first bytes rather than from what the client declared: the
//! declared type of an upload is a claim, and a picture the console shows inline must really be
//! one.

use support_protocol::AttachmentKind;

/// How many of a file's first bytes are kept to tell its type and a picture's size (a JPEG's
/// size may come after a large EXIF block; past this it is simply not known).
pub(crate) const HEAD_BYTES: usize = 64 * 1024;

/// The pictures the console shows inline and the download serves as themselves: raster
/// formats a browser decodes without running anything (never SVG, which may hold script).
pub(crate) const INLINE_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// What the first bytes of a file say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sniffed {
    /// The type the bytes have, when they match a known signature.
    pub(crate) mime: Option<&'static str>,
    /// A picture's width and height in pixels.
    pub(crate) size: Option<(u32, u32)>,
}

/// Reads a file's first bytes.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let mime = infer::get(head).map(|t| t.mime_type());
    let size = if mime.is_some_and(|m| m.starts_with("image/")) {
        imagesize::blob_size(head)
            .ok()
            .and_then(|s| Some((u32::try_from(s.width).ok()?, u32::try_from(s.height).ok()?)))
    } else {
        None
    };
    Sniffed { mime, size }
}

/// Whether a type is one of [`INLINE_IMAGES`].
pub(crate) fn is_inline_image(mime: &str) -> bool {
    INLINE_IMAGES.contains(&mime)
}

/// The kind an upload is when the client names none, by its type: a picture is a `photo` (a
/// GIF an `animation`), a video a `video`, a sound an `audio`, anything else a `document`.
pub(crate) fn kind_for(mime: &str) -> AttachmentKind {
    match mime {
        "image/gif" => AttachmentKind::Animation,
        m if is_inline_image(m) => AttachmentKind::Photo,
        m if m.starts_with("video/") => AttachmentKind::Video,
        m if m.starts_with("audio/") => AttachmentKind::Audio,
        _ => AttachmentKind::Document,
    }
}

/// Whether `raw` is a well-formed MIME type (`type/subtype`, RFC 6838 characters, no
/// parameters), lowercased; `None` otherwise.
pub(crate) fn clean_mime(raw: &str) -> Option<String> {
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'!' | b'#' | b'$' | b'&' | b'-' | b'^' | b'_' | b'.' | b'+'
                    )
            })
    };
    (token(kind) && token(sub)).then_some(essence)
}

/// The `Content-Type` a stored file is served with: pictures, sounds, videos, PDF and plain
/// text as what they are (so the console can show and play them), anything else as
/// `application/octet-stream`, which no browser runs.
pub(crate) fn served_type(mime: Option<&str>) -> &str {
    match mime {
        Some(m)
            if is_inline_image(m)
                || m.starts_with("audio/")
                || m.starts_with("video/")
                || m == "application/pdf" =>
        {
            m
        }
        Some("text/plain") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 PNG's first bytes: the signature and the IHDR chunk.
    pub(crate) fn png_head(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn pictures_are_told_by_their_bytes() {
        let s = sniff(&png_head(3, 2));
        assert_eq!(s.mime, Some("image/png"));
        assert_eq!(s.size, Some((3, 2)));
        let pdf = sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
        assert_eq!(pdf.mime, Some("application/pdf"));
        assert_eq!(pdf.size, None);
        assert_eq!(sniff(b"just some text").mime, None);
        assert_eq!(sniff(b"").mime, None);
    }

    #[test]
    fn kinds_types_and_serving() {
        assert_eq!(kind_for("image/png"), AttachmentKind::Photo);
        assert_eq!(kind_for("image/gif"), AttachmentKind::Animation);
        assert_eq!(kind_for("image/svg+xml"), AttachmentKind::Document);
        assert_eq!(kind_for("audio/ogg"), AttachmentKind::Audio);
        assert_eq!(kind_for("video/mp4"), AttachmentKind::Video);
        assert_eq!(
            clean_mime("Image/PNG; charset=x").as_deref(),
            Some("image/png")
        );
        assert_eq!(clean_mime("text/html\r\nX-Evil: 1"), None);
        assert_eq!(clean_mime("nonsense"), None);
        assert_eq!(served_type(Some("text/html")), "application/octet-stream");
        assert_eq!(
            served_type(Some("image/svg+xml")),
            "application/octet-stream"
        );
        assert_eq!(served_type(Some("image/webp")), "image/webp");
        assert_eq!(served_type(None), "application/octet-stream");
    }
}
