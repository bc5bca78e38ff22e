//! Bodies and query parameters of the REST API (SPEC section 2).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::{ManagerId, NewAttachment, Sender, TelegramId, UserProfile};

/// `POST {mount}/tickets/` body \[R2\]. `text` is this implementation's extension: when present, the
/// ticket and its first user message are created in one transaction.
///
/// ```
/// use support_protocol::{NewTicket, TelegramId};
/// let body = NewTicket { user_id: TelegramId::new(1001), title: "Help".into(), text: None, attachments: vec![], user: None, viewed: None };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"user_id":1001,"title":"Help"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::new_ticket_extras))]
pub struct NewTicket {
    /// The Telegram user the ticket is for.
    pub user_id: TelegramId,
    /// The title.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_title")
    )]
    pub title: String,
    /// Extension: the first message of the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_text")
    )]
    pub text: Option<String>,
    /// Extension: the first message's attachments (then `text` may be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<NewAttachment>,
    /// Extension: the user's contact profile as Telegram gives it (sent by the bot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserProfile>,
    /// The 1.2.0 line: open the ticket already viewed by the team (absent: not viewed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_bool")
    )]
    pub viewed: Option<bool>,
}

/// `POST {mount}/tickets/{id}/messages/` body \[R6\].
///
/// ```
/// use support_protocol::NewMessage;
/// let body: NewMessage = serde_json::from_str(r#"{"text": "hello"}"#).unwrap();
/// assert!(body.attachments.is_empty());
/// assert_eq!(body.text, "hello");
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"text":"hello"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::new_message_extras))]
pub struct NewMessage {
    /// The text.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_text")
    )]
    pub text: String,
    /// Who writes it; only managers may write `"supp"`. Absent means `"user"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Sender"))]
    pub sender: Option<Sender>,
    /// Extension: the message's attachments, at most [`MAX_ATTACHMENTS`](crate::attachment::MAX_ATTACHMENTS)
    /// (then `text` may be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<NewAttachment>,
    /// Extension: the writing user's contact profile as Telegram gives it (sent by the bot with
    /// user messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserProfile>,
}

/// `PATCH {mount}/tickets/{id}/` body \[R4\]: the writable fields, each optional.
///
/// ```
/// use support_protocol::TicketPatch;
/// let patch = TicketPatch { resolved: Some(true), ..Default::default() };
/// assert_eq!(serde_json::to_string(&patch).unwrap(), r#"{"resolved":true}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::ticket_patch_extras))]
pub struct TicketPatch {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_title")
    )]
    pub title: Option<String>,
    /// Resolve (`true`) or reopen (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_bool")
    )]
    pub resolved: Option<bool>,
    /// The 1.2.0 line's mark: `true`, the team has seen the ticket (its messages are marked
    /// viewed too); `false`, mark it unviewed again (its messages keep their marks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_bool")
    )]
    pub viewed: Option<bool>,
}

/// Query parameters of `GET {mount}/tickets/` \[R1\]. All filters combine with AND.
///
/// ```
/// use support_protocol::{TicketFilter, TelegramId};
/// let f = TicketFilter { user_id: Some(TelegramId::new(7)), resolved: Some(false), ..Default::default() };
/// assert_eq!(f.query_pairs(), vec![("user_id", "7".to_owned()), ("resolved", "false".to_owned())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketFilter {
    /// Only this user's tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<TelegramId>,
    /// Only resolved (`true`) or open (`false`) tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// Only tickets assigned to this manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<ManagerId>,
    /// Only tickets with (`false`) or without (`true`) a manager.
    #[serde(
        default,
        rename = "manager__isnull",
        skip_serializing_if = "Option::is_none"
    )]
    pub manager_isnull: Option<bool>,
    /// Extension: only tickets held by a manager other than this one ("held by others").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_manager: Option<ManagerId>,
    /// Extension: only tickets this text finds: the ticket's number (`123`, `#123`), its user's
    /// Telegram id, or words that start words of the title, the user's names and username, or
    /// one message (case ignored; at most 200 characters; blank means no filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 200)))]
    pub search: Option<String>,
    /// Extension: the order, `-created_at` (newest created first), `-updated_at` (newest
    /// activity first), `waiting` (tickets whose newest message is the user's first, longest
    /// waiting first) or `unviewed` (the 1.2.0 line's: unviewed, then unresolved, then newest
    /// message first); absent, `-created_at`, or `unviewed` on a server answering as the 1.2.0
    /// line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^(-created_at|-updated_at|waiting|unviewed)$"))
    )]
    pub ordering: Option<String>,
    /// Page size; without it the server answers a plain array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Page start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl TicketFilter {
    /// The query string pairs, in a stable order, for an HTTP client.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(v) = self.user_id {
            pairs.push(("user_id", v.to_string()));
        }
        if let Some(v) = self.resolved {
            pairs.push(("resolved", v.to_string()));
        }
        if let Some(v) = self.manager {
            pairs.push(("manager", v.to_string()));
        }
        if let Some(v) = self.manager_isnull {
            pairs.push(("manager__isnull", v.to_string()));
        }
        if let Some(v) = self.not_manager {
            pairs.push(("not_manager", v.to_string()));
        }
        if let Some(v) = &self.search {
            pairs.push(("search", v.clone()));
        }
        if let Some(v) = &self.ordering {
            pairs.push(("ordering", v.clone()));
        }
        if let Some(v) = self.limit {
            pairs.push(("limit", v.to_string()));
        }
        if let Some(v) = self.offset {
            pairs.push(("offset", v.to_string()));
        }
        pairs
    }
}

/// The paginated envelope (Django REST framework's `LimitOffsetPagination`).
///
/// ```
/// use support_protocol::Page;
/// let page: Page<u32> = serde_json::from_str(
///     r#"{"count":5,"next":"http://h/support/tickets/1/messages/?limit=2&offset=2","previous":null,"results":[1,2]}"#,
/// ).unwrap();
/// assert_eq!(page.count, 5);
/// assert_eq!(page.results, vec![1, 2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Page"))]
pub struct Page<T> {
    /// How many items there are in all.
    pub count: u64,
    /// The absolute URL of the next page, or null on the last.
    pub next: Option<String>,
    /// The absolute URL of the previous page, or null on the first.
    pub previous: Option<String>,
    /// The items of this page.
    pub results: Vec<T>,
}

/// What a list endpoint answers: a plain array without `limit`, the [`Page`] envelope with it.
///
/// ```
/// use support_protocol::Listing;
/// let plain: Listing<u8> = serde_json::from_str("[1,2]").unwrap();
/// assert_eq!(plain.into_items(), vec![1, 2]);
/// let paged: Listing<u8> =
///     serde_json::from_str(r#"{"count":9,"next":null,"previous":null,"results":[3]}"#).unwrap();
/// assert_eq!(paged.into_items(), vec![3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Listing"))]
pub enum Listing<T> {
    /// A plain JSON array.
    Items(Vec<T>),
    /// The paginated envelope.
    Page(Page<T>),
}

impl<T> Listing<T> {
    /// The items, whichever form they came in.
    pub fn into_items(self) -> Vec<T> {
        match self {
            Self::Items(items) => items,
            Self::Page(page) => page.results,
        }
    }
}

/// An error body in the original's shapes \[E1\]: `{"detail": "..."}` or field errors
/// `{"field": ["message", ...], ...}` with the fields in the order they were found.
///
/// ```
/// use support_protocol::ErrorBody;
/// let e = ErrorBody::detail("Not found.");
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"detail":"Not found."}"#);
/// let e = ErrorBody::fields([("user_id", "This field is required."), ("title", "This field is required.")]);
/// assert_eq!(serde_json::to_string(&e).unwrap(),
///     r#"{"user_id":["This field is required."],"title":["This field is required."]}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorBody {
    /// `{"detail": "..."}`.
    Detail(String),
    /// `{"field": ["message", ...]}`, in order.
    Fields(Vec<(String, Vec<String>)>),
}

impl ErrorBody {
    /// A `{"detail": ...}` body.
    pub fn detail(detail: impl Into<String>) -> Self {
        Self::Detail(detail.into())
    }

    /// A field-error body with one message per field, in the given order.
    pub fn fields<F: Into<String>, M: Into<String>>(
        errors: impl IntoIterator<Item = (F, M)>,
    ) -> Self {
        Self::Fields(
            errors
                .into_iter()
                .map(|(f, m)| (f.into(), vec![m.into()]))
                .collect(),
        )
    }

    /// A one-line summary (for logs and client error messages).
    pub fn summary(&self) -> String {
        match self {
            Self::Detail(d) => d.clone(),
            Self::Fields(fields) => fields
                .iter()
                .map(|(f, ms)| format!("{f}: {}", ms.join(" ")))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl Serialize for ErrorBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Detail(detail) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("detail", detail)?;
                map.end()
            }
            Self::Fields(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (field, messages) in fields {
                    map.serialize_entry(field, messages)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let serde_json::Value::Object(map) = value else {
            return Err(D::Error::custom("an error body is a JSON object"));
        };
        if let Some(serde_json::Value::String(detail)) = map.get("detail") {
            return Ok(Self::Detail(detail.clone()));
        }
        let mut fields = Vec::with_capacity(map.len());
        for (field, messages) in map {
            let messages = match messages {
                serde_json::Value::Array(items) => items
                    .into_iter()
                    .map(|m| match m {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect(),
                serde_json::Value::String(s) => vec![s],
                other => vec![other.to_string()],
            };
            fields.push((field, messages));
        }
        Ok(Self::Fields(fields))
    }
}
