//! A Telegram message's file, location or contact as an attachment described for the server
//! (no upload yet): what Telegram tells about it, nothing downloaded.

use support_protocol::{AttachmentKind, Contact, Degrees, Location, NewAttachment, TelegramFile};
use teloxide::types::{FileMeta, Message};

/// Telegram photos are always re-encoded as JPEG; their sizes carry no MIME type.
const PHOTO_MIME: &str = "image/jpeg";

/// The attachment a message carries, if it is one of the kinds support takes; `None` for text
/// and for every other kind (polls, dice, stories, games, venues, ...).
pub(crate) fn describe(m: &Message) -> Option<NewAttachment> {
    if let Some(sizes) = m.photo() {
        // The largest picture; Telegram lists them smallest first, but do not rely on it.
        let largest = sizes
            .iter()
            .max_by_key(|p| (u64::from(p.width) * u64::from(p.height), p.file.size))?;
        return Some(NewAttachment {
            mime_type: Some(PHOTO_MIME.to_owned()),
            width: Some(largest.width),
            height: Some(largest.height),
            ..file(AttachmentKind::Photo, &largest.file)
        });
    }
    // Before the document: an animation's message carries it as a document too.
    if let Some(a) = m.animation() {
        return Some(NewAttachment {
            file_name: a.file_name.clone(),
            mime_type: a.mime_type.as_ref().map(ToString::to_string),
            width: Some(a.width),
            height: Some(a.height),
            duration: Some(a.duration.seconds()),
            ..file(AttachmentKind::Animation, &a.file)
        });
    }
    if let Some(d) = m.document() {
        return Some(NewAttachment {
            file_name: d.file_name.clone(),
            mime_type: d.mime_type.as_ref().map(ToString::to_string),
            ..file(AttachmentKind::Document, &d.file)
        });
    }
    if let Some(v) = m.video() {
        return Some(NewAttachment {
            file_name: v.file_name.clone(),
            mime_type: v.mime_type.as_ref().map(ToString::to_string),
            width: Some(v.width),
            height: Some(v.height),
            duration: Some(v.duration.seconds()),
            ..file(AttachmentKind::Video, &v.file)
        });
    }
    if let Some(v) = m.voice() {
        return Some(NewAttachment {
            mime_type: v.mime_type.as_ref().map(ToString::to_string),
            duration: Some(v.duration.seconds()),
            ..file(AttachmentKind::Voice, &v.file)
        });
    }
    if let Some(a) = m.audio() {
        return Some(NewAttachment {
            file_name: a.file_name.clone(),
            mime_type: a.mime_type.as_ref().map(ToString::to_string),
            duration: Some(a.duration.seconds()),
            ..file(AttachmentKind::Audio, &a.file)
        });
    }
    if let Some(v) = m.video_note() {
        return Some(NewAttachment {
            // Round and square: `length` is both sides. Telegram sends them as MP4.
            mime_type: Some("video/mp4".to_owned()),
            width: Some(v.length),
            height: Some(v.length),
            duration: Some(v.duration.seconds()),
            ..file(AttachmentKind::VideoNote, &v.file)
        });
    }
    if let Some(s) = m.sticker() {
        // The flags, not `Sticker::format()`, which panics on both set.
        let mime = if s.flags.is_video {
            "video/webm"
        } else if s.flags.is_animated {
            "application/x-tgsticker"
        } else {
            "image/webp"
        };
        return Some(NewAttachment {
            mime_type: Some(mime.to_owned()),
            width: Some(u32::from(s.width)),
            height: Some(u32::from(s.height)),
            ..file(AttachmentKind::Sticker, &s.file)
        });
    }
    if let Some(l) = m.location() {
        return Some(NewAttachment {
            kind: Some(AttachmentKind::Location),
            location: Some(Location {
                latitude: Degrees(l.latitude),
                longitude: Degrees(l.longitude),
            }),
            ..NewAttachment::default()
        });
    }
    if let Some(c) = m.contact() {
        return Some(NewAttachment {
            kind: Some(AttachmentKind::Contact),
            contact: Some(Contact {
                phone_number: c.phone_number.clone(),
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                user_id: c.user_id.and_then(|id| i64::try_from(id.0).ok()),
            }),
            ..NewAttachment::default()
        });
    }
    None
}

/// A file of `kind` as Telegram knows it: its ids and, when Telegram gave it, its size.
fn file(kind: AttachmentKind, meta: &FileMeta) -> NewAttachment {
    NewAttachment {
        kind: Some(kind),
        // teloxide puts `u32::MAX` for a size Telegram left out.
        size: (meta.size != u32::MAX).then_some(u64::from(meta.size)),
        telegram: Some(TelegramFile {
            file_id: meta.id.0.clone(),
            file_unique_id: meta.unique_id.0.clone(),
        }),
        ..NewAttachment::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn message(key: &str, content: Value) -> Message {
        let mut m = json!({"message_id": 1, "date": 1_700_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "U"},
            "from": {"id": 7, "is_bot": false, "first_name": "U"}});
        m[key] = content;
        serde_json::from_value(m).unwrap()
    }

    fn meta(id: &str, size: u64) -> Value {
        json!({"file_id": id, "file_unique_id": format!("u-{id}"), "file_size": size})
    }

    fn with(mut base: Value, extra: Value) -> Value {
        let Value::Object(extra) = extra else {
            panic!("not an object")
        };
        for (k, v) in extra {
            base[k] = v;
        }
        base
    }

    #[test]
    fn a_photo_is_its_largest_size() {
        let sizes = json!([
            with(meta("small", 10), json!({"width": 90, "height": 60})),
            with(meta("big", 900), json!({"width": 1280, "height": 853})),
            with(meta("mid", 100), json!({"width": 320, "height": 213})),
        ]);
        let a = describe(&message("photo", sizes)).unwrap();
        assert_eq!(a.kind, Some(AttachmentKind::Photo));
        assert_eq!(a.telegram.as_ref().unwrap().file_id, "big");
        assert_eq!(a.telegram.unwrap().file_unique_id, "u-big");
        assert_eq!(
            (a.width, a.height, a.size),
            (Some(1280), Some(853), Some(900))
        );
        assert_eq!(a.mime_type.as_deref(), Some("image/jpeg"));
        assert_eq!(a.upload, None);
    }

    #[test]
    fn files_keep_what_telegram_tells() {
        let d = describe(&message(
            "document",
            with(
                meta("d", 5),
                json!({"file_name": "a.pdf", "mime_type": "application/pdf"}),
            ),
        ))
        .unwrap();
        assert_eq!(d.kind, Some(AttachmentKind::Document));
        assert_eq!(d.file_name.as_deref(), Some("a.pdf"));
        assert_eq!(d.mime_type.as_deref(), Some("application/pdf"));

        let v = describe(&message(
            "voice",
            with(
                meta("v", 7),
                json!({"duration": 4, "mime_type": "audio/ogg"}),
            ),
        ))
        .unwrap();
        assert_eq!(v.kind, Some(AttachmentKind::Voice));
        assert_eq!(v.duration, Some(4));

        let n = describe(&message(
            "video_note",
            with(meta("n", 7), json!({"length": 240, "duration": 9})),
        ))
        .unwrap();
        assert_eq!(
            (n.width, n.height, n.duration),
            (Some(240), Some(240), Some(9))
        );

        let s = describe(&message(
            "sticker",
            with(
                meta("s", 7),
                json!({"type": "regular", "width": 512, "height": 512,
                    "is_animated": false, "is_video": true}),
            ),
        ))
        .unwrap();
        assert_eq!(s.kind, Some(AttachmentKind::Sticker));
        assert_eq!(s.mime_type.as_deref(), Some("video/webm"));
    }

    #[test]
    fn an_animation_is_not_taken_for_its_document() {
        let gif = with(
            meta("g", 7),
            json!({"width": 200, "height": 100, "duration": 2, "mime_type": "video/mp4"}),
        );
        let mut m = json!({"message_id": 1, "date": 1_700_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "U"},
            "from": {"id": 7, "is_bot": false, "first_name": "U"}});
        m["animation"] = gif.clone();
        m["document"] = gif;
        let a = describe(&serde_json::from_value(m).unwrap()).unwrap();
        assert_eq!(a.kind, Some(AttachmentKind::Animation));
    }

    #[test]
    fn locations_and_contacts_have_no_file() {
        let l = describe(&message(
            "location",
            json!({"latitude": 55.75, "longitude": 37.62}),
        ))
        .unwrap();
        assert_eq!(l.kind, Some(AttachmentKind::Location));
        assert_eq!(l.location.unwrap().latitude, Degrees(55.75));
        assert_eq!(l.telegram, None);

        let c = describe(&message(
            "contact",
            json!({"phone_number": "+100", "first_name": "Ann", "user_id": 42}),
        ))
        .unwrap();
        let contact = c.contact.unwrap();
        assert_eq!(contact.phone_number, "+100");
        assert_eq!(contact.user_id, Some(42));
    }

    #[test]
    fn text_and_other_kinds_are_not_attachments() {
        assert_eq!(describe(&message("text", json!("hi"))), None);
        assert_eq!(
            describe(&message("dice", json!({"emoji": "🎲", "value": 3}))),
            None
        );
    }
}
