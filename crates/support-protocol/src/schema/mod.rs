//! JSON Schemas of the wire types (feature `schema`): every type in this crate implements
//! [`schemars::JsonSchema`], so a schema is derived from the type that reads or writes the JSON,
//! not written by hand next to it.
//!
//! The schemas describe what is on the wire, quirks included, in two
//! [contracts](schemars::generate::Contract):
//!
//! - **serialize**, what this implementation writes (responses, server events): ids are JSON
//!   integers, timestamps always have six fractional digits and `Z` \[C4\], optional extension
//!   fields are absent rather than `null`;
//! - **deserialize**, what the server accepts (request bodies, client and bot events), as
//!   leniently as the Python original: an id may be a string holding an integer, a title or text
//!   may be a JSON number (read as its decimal text), a boolean one of Django REST framework's
//!   spellings (`"yes"`, `"on"`, `1`, ...).
//!
//! [`events_document`] puts every websocket event of both directions into one JSON Schema
//! document; the server's OpenAPI document (`support_server::contract`) takes the REST types
//! from here.
//!
//! ```
//! use schemars::generate::SchemaSettings;
//! use support_protocol::Ticket;
//!
//! let schema = SchemaSettings::draft2020_12().for_serialize().into_generator()
//!     .into_root_schema_for::<Ticket>();
//! assert_eq!(schema.get("required").unwrap()[0], "id");
//! ```

mod errors;
mod events;
mod inputs;
mod scalars;
mod text;

pub use errors::{DetailError, FieldErrors};
pub use events::{events_document, generator, merge_definitions, sorted_definitions};
pub(crate) use inputs::{
    assign_ticket, lenient_bool, lenient_text, lenient_title, new_message_extras,
    new_ticket_extras, ticket_patch_extras,
};
pub use text::clean_descriptions;
