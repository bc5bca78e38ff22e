//! [`UserMessage`]: the JSON of what a user sends in their private chat with the bot — text, a
//! photo, a document, a voice note, a location, a contact, a part of an album, or a kind the
//! support part does not take (a poll, a dice) — as Telegram delivers it in an update.
//!
//! ```ignore
//! let photo = tg.add_file(png(64, 48, [1, 2, 3]));
//! let update = UserMessage::photo(1001, &photo, 64, 48).caption("my screen").media_group("g1").json();
//! tg.push_update(update);
//! ```

use serde_json::{Value, json};

use super::files::FakeFile;

/// A message from a user in their private chat with the bot, built up field by field.
#[derive(Debug, Clone)]
pub struct UserMessage {
    message: Value,
}

impl UserMessage {
    /// A message from `user` with no content yet.
    pub fn new(user: i64) -> Self {
        Self {
            message: json!({
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": user, "type": "private", "first_name": "User"},
                "from": {"id": user, "is_bot": false, "first_name": "User"},
            }),
        }
    }

    /// Text.
    pub fn text(user: i64, text: &str) -> Self {
        Self::new(user).with("text", json!(text))
    }

    /// A photo of `width`×`height` (the file), with a size of half of it before it (a file the
    /// fake does not hold), as Telegram lists a photo's sizes smallest first.
    pub fn photo(user: i64, file: &FakeFile, width: u32, height: u32) -> Self {
        let thumb = json!({"file_id": format!("{}-s", file.file_id),
            "file_unique_id": format!("{}-s", file.file_unique_id),
            "file_size": (file.size / 4).max(1), "width": (width / 2).max(1),
            "height": (height / 2).max(1)});
        let full = json!({"file_id": file.file_id, "file_unique_id": file.file_unique_id,
            "file_size": file.size, "width": width, "height": height});
        Self::new(user).with("photo", json!([thumb, full]))
    }

    /// A document named `name` of type `mime`.
    pub fn document(user: i64, file: &FakeFile, name: &str, mime: &str) -> Self {
        Self::new(user).with(
            "document",
            json!({"file_id": file.file_id, "file_unique_id": file.file_unique_id,
                "file_size": file.size, "file_name": name, "mime_type": mime}),
        )
    }

    /// A voice note of `duration` seconds.
    pub fn voice(user: i64, file: &FakeFile, duration: u32) -> Self {
        Self::new(user).with(
            "voice",
            json!({"file_id": file.file_id, "file_unique_id": file.file_unique_id,
                "file_size": file.size, "duration": duration, "mime_type": "audio/ogg"}),
        )
    }

    /// A location.
    pub fn location(user: i64, latitude: f64, longitude: f64) -> Self {
        Self::new(user).with(
            "location",
            json!({"latitude": latitude, "longitude": longitude}),
        )
    }

    /// A contact.
    pub fn contact(user: i64, phone: &str, first_name: &str) -> Self {
        Self::new(user).with(
            "contact",
            json!({"phone_number": phone, "first_name": first_name}),
        )
    }

    /// A poll, a kind support does not take.
    pub fn poll(user: i64) -> Self {
        Self::new(user).with(
            "poll",
            json!({"id": "p1", "question": "Which?", "options": [
                {"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}],
                "total_voter_count": 0, "is_closed": false, "is_anonymous": true,
                "type": "regular", "allows_multiple_answers": false}),
        )
    }

    /// A dice, a kind support does not take.
    pub fn dice(user: i64) -> Self {
        Self::new(user).with("dice", json!({"emoji": "🎲", "value": 3}))
    }

    /// Sets the caption.
    pub fn caption(self, caption: &str) -> Self {
        self.with("caption", json!(caption))
    }

    /// Makes it a part of the album `group`.
    pub fn media_group(self, group: &str) -> Self {
        self.with("media_group_id", json!(group))
    }

    /// Sets the message id (an album's parts have increasing ids).
    pub fn message_id(self, id: i64) -> Self {
        self.with("message_id", json!(id))
    }

    /// Sets the sender's Telegram `language_code`.
    pub fn language(mut self, code: &str) -> Self {
        self.message["from"]["language_code"] = json!(code);
        self
    }

    /// Sets any field of the message.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.message[key] = value;
        self
    }

    /// The message's JSON.
    pub fn message(&self) -> &Value {
        &self.message
    }

    /// The update's JSON without `update_id` (`{"message": ...}`), as
    /// [`FakeTelegram::push_update`](super::FakeTelegram::push_update) takes it.
    pub fn json(&self) -> Value {
        json!({"message": self.message})
    }
}
