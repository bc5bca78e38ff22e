//! Extension: files and other media a message carries — screenshots, documents, voice notes,
//! albums, a location, a contact.
//!
//! A message's attachments ride on it as the added key `attachments` (absent when there are
//! none, so the Python clients see the messages they know). Each is an [`Attachment`]: its
//! [`AttachmentKind`], what is known of the file (name, MIME type, size, picture size, duration),
//! where its bytes are (`stored` in the server's blob store, and/or on Telegram as
//! [`TelegramFile`]), or the [`Location`] / [`Contact`] it is. The bytes are served at
//! `GET {mount}/attachments/{id}/`.
//!
//! A client attaches files in two steps: it uploads each (`POST {mount}/attachments/`,
//! multipart, answered with an [`Attachment`] not yet in any message), then sends the message
//! with [`NewAttachment::upload`] naming them. A bot may instead describe a file Telegram holds
//! (kind and [`TelegramFile`]), a location or a contact, with no upload.
//!
//! ```
//! use support_protocol::{Attachment, AttachmentKind};
//! let a: Attachment = serde_json::from_str(r#"{"id":4,"kind":"photo","mime_type":"image/png",
//!   "size":1024,"width":640,"height":480,"stored":true}"#).unwrap();
//! assert_eq!(a.kind, AttachmentKind::Photo);
//! assert!(a.kind.is_image());
//! // A kind from a newer Telegram is kept as it came, for a placeholder.
//! let a: Attachment = serde_json::from_str(r#"{"id":5,"kind":"paid_media"}"#).unwrap();
//! assert_eq!(a.kind, AttachmentKind::Other("paid_media".into()));
//! assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"id":5,"kind":"paid_media","stored":false}"#);
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::AttachmentId;

/// The most attachments one message carries: Telegram's album limit.
pub const MAX_ATTACHMENTS: usize = 10;
/// The longest file name kept, in characters (longer names are cut, keeping the extension).
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// The longest caption Telegram takes with a file, in UTF-16 code units; a longer text goes in
/// its own message.
pub const CAPTION_MAX_UTF16: usize = 1024;

/// What an attachment is, in Telegram's words. Unknown kinds (from a newer Telegram or server)
/// are kept as [`AttachmentKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    /// A picture (`photo`): shown inline.
    Photo,
    /// Any file (`document`): offered as a download.
    Document,
    /// A video (`video`).
    Video,
    /// A GIF or a silent video (`animation`).
    Animation,
    /// A voice note (`voice`, OGG/Opus).
    Voice,
    /// A music or sound file (`audio`).
    Audio,
    /// A round video note (`video_note`).
    VideoNote,
    /// A sticker (`sticker`).
    Sticker,
    /// A point on the map (`location`): see [`Attachment::location`].
    Location,
    /// A phone contact (`contact`): see [`Attachment::contact`].
    Contact,
    /// A kind this version does not know, as it came.
    Other(String),
}

impl AttachmentKind {
    /// Every known kind, in the wire spelling's order of the docs.
    pub const KNOWN: [Self; 10] = [
        Self::Photo,
        Self::Document,
        Self::Video,
        Self::Animation,
        Self::Voice,
        Self::Audio,
        Self::VideoNote,
        Self::Sticker,
        Self::Location,
        Self::Contact,
    ];

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Photo => "photo",
            Self::Document => "document",
            Self::Video => "video",
            Self::Animation => "animation",
            Self::Voice => "voice",
            Self::Audio => "audio",
            Self::VideoNote => "video_note",
            Self::Sticker => "sticker",
            Self::Location => "location",
            Self::Contact => "contact",
            Self::Other(raw) => raw,
        }
    }

    /// Parses the wire string; an unknown one becomes [`AttachmentKind::Other`].
    pub fn from_wire(s: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| Self::Other(s.to_owned()))
    }

    /// Whether the kind is a picture a client shows inline (`photo`, `sticker`).
    pub fn is_image(&self) -> bool {
        matches!(self, Self::Photo | Self::Sticker)
    }

    /// Whether an attachment of this kind has bytes (every kind but `location` and `contact`;
    /// an unknown kind may).
    pub fn has_file(&self) -> bool {
        !matches!(self, Self::Location | Self::Contact)
    }
}

impl fmt::Display for AttachmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AttachmentKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AttachmentKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self::from_wire(&s))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for AttachmentKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AttachmentKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "photo, document, video, animation, voice, audio, video_note, sticker, \
                location, contact; a client shows an unknown kind as a placeholder",
            "examples": ["photo", "document", "voice"],
        })
    }
}

/// A file as Telegram knows it: what a bot sends it again by (`file_id`, valid for that bot
/// only) and what identifies the file across bots (`file_unique_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TelegramFile {
    /// The bot's id of the file, for `getFile` and for sending it again.
    pub file_id: String,
    /// The file's id across bots (not usable to download or send).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file_unique_id: String,
}

/// A coordinate in degrees, compared by its bits so that the types holding it are `Eq`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Degrees(pub f64);

impl PartialEq for Degrees {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Degrees {}

/// A point on the map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Location {
    /// Latitude, -90..=90.
    pub latitude: Degrees,
    /// Longitude, -180..=180.
    pub longitude: Degrees,
}

/// A phone contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    /// The phone number, as Telegram gives it.
    pub phone_number: String,
    /// First name (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_name: String,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The contact's Telegram user id, if they use Telegram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

/// An attachment as stored and sent: one element of a message's `attachments`, or the answer
/// to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    /// The id; the bytes are at `GET {mount}/attachments/{id}/`.
    pub id: AttachmentId,
    /// What it is.
    pub kind: AttachmentKind,
    /// The file's name, made safe by the server (no directories, no control characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The MIME type (checked against the bytes for pictures the server stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Width in pixels (pictures, videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels (pictures, videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Duration in seconds (voice, audio, video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Whether the bytes are in the server's blob store (so the file stays viewable after
    /// Telegram forgets it). `false`: only on Telegram, or no bytes at all.
    #[serde(default)]
    pub stored: bool,
    /// The file on Telegram, once it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<TelegramFile>,
    /// A `location` attachment's point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A `contact` attachment's contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

impl Attachment {
    /// An attachment of `kind` with nothing else known yet: no name, type, size or place.
    ///
    /// ```
    /// use support_protocol::{Attachment, AttachmentId, AttachmentKind};
    /// let a = Attachment::new(AttachmentId::new(3), AttachmentKind::Voice);
    /// assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"id":3,"kind":"voice","stored":false}"#);
    /// ```
    pub fn new(id: AttachmentId, kind: AttachmentKind) -> Self {
        Self {
            id,
            kind,
            file_name: None,
            mime_type: None,
            size: None,
            width: None,
            height: None,
            duration: None,
            stored: false,
            telegram: None,
            location: None,
            contact: None,
        }
    }
}

/// An attachment of a message being written: an earlier upload of the same client
/// ([`NewAttachment::upload`]), or (bots) a file Telegram holds, a location or a contact,
/// described by the other fields. With an upload, the described fields add to what the upload
/// knows (a bot copying a user's file names its kind, Telegram's ids and the picture size);
/// the size and the MIME type the server found in the bytes win.
///
/// ```
/// use support_protocol::{AttachmentId, NewAttachment};
/// let a = NewAttachment::upload(AttachmentId::new(9));
/// assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"upload":9}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAttachment {
    /// An upload of this client not yet in a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<AttachmentId>,
    /// The kind (required without an upload; with one, the server infers it from the bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AttachmentKind>,
    /// The file's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// The file on Telegram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<TelegramFile>,
    /// A location's point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

impl NewAttachment {
    /// An attachment that is an earlier upload.
    pub fn upload(id: AttachmentId) -> Self {
        Self {
            upload: Some(id),
            ..Self::default()
        }
    }
}

/// Makes a client's file name safe to keep and to offer for download: the last path component
/// only (after `/` or `\`), control and format characters dropped, leading dots removed (no
/// hidden or `..` names), cut to [`FILE_NAME_MAX_CHARS`] keeping a short extension. `None`
/// when nothing is left.
///
/// ```
/// use support_protocol::attachment::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd").as_deref(), Some("passwd"));
/// assert_eq!(safe_file_name("C:\\Users\\me\\shot\u{0}\n.png").as_deref(), Some("shot.png"));
/// assert_eq!(safe_file_name("..").as_deref(), None);
/// assert_eq!(safe_file_name("report\u{202e}fdp.exe").as_deref(), Some("reportfdp.exe"));
/// ```
pub fn safe_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last.chars().filter(|c| !is_unsafe_char(*c)).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return None;
    }
    let count = cleaned.chars().count();
    if count <= FILE_NAME_MAX_CHARS {
        return Some(cleaned.to_owned());
    }
    // Keep an extension of up to 16 characters; cut the stem.
    let extension = cleaned
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 16);
    Some(match extension {
        Some(ext) => {
            let stem_len = FILE_NAME_MAX_CHARS - ext.chars().count() - 1;
            let stem: String = cleaned.chars().take(stem_len).collect();
            format!("{stem}.{ext}")
        }
        None => cleaned.chars().take(FILE_NAME_MAX_CHARS).collect(),
    })
}

/// Control characters, and the invisible format characters that disguise a name (bidi
/// overrides, zero-width characters).
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_survive() {
        for kind in AttachmentKind::KNOWN {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<AttachmentKind>(&json).unwrap(), kind);
        }
        let other: AttachmentKind = serde_json::from_str(r#""story""#).unwrap();
        assert_eq!(other, AttachmentKind::Other("story".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""story""#);
        assert!(!AttachmentKind::Location.has_file());
        assert!(other.has_file());
    }

    #[test]
    fn file_names_lose_paths_controls_and_excess() {
        assert_eq!(safe_file_name("a/b/c.txt").as_deref(), Some("c.txt"));
        assert_eq!(safe_file_name("   ").as_deref(), None);
        assert_eq!(safe_file_name(".bashrc").as_deref(), Some("bashrc"));
        assert_eq!(
            safe_file_name("tab\there.pdf").as_deref(),
            Some("tabhere.pdf")
        );
        let long = format!("{}.png", "я".repeat(400));
        let safe = safe_file_name(&long).unwrap();
        assert_eq!(safe.chars().count(), FILE_NAME_MAX_CHARS);
        assert!(safe.ends_with(".png"));
        let no_ext = "x".repeat(300);
        assert_eq!(safe_file_name(&no_ext).unwrap().len(), FILE_NAME_MAX_CHARS);
    }

    #[test]
    fn location_and_contact_shapes() {
        let json = r#"{"id":1,"kind":"location","stored":false,"location":{"latitude":55.75,"longitude":37.62}}"#;
        let a: Attachment = serde_json::from_str(json).unwrap();
        assert_eq!(a.location.as_ref().unwrap().latitude, Degrees(55.75));
        assert_eq!(serde_json::to_string(&a).unwrap(), json);
        let json = r#"{"id":2,"kind":"contact","stored":false,"contact":{"phone_number":"+100","first_name":"Ann"}}"#;
        let a: Attachment = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), json);
    }
}
