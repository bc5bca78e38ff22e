//! The callback data of the support buttons. Every one starts with [`CALLBACK_PREFIX`], which is
//! how the handler tells its own button presses from the host's.

use support_protocol::TicketId;

/// The prefix of every support callback data.
pub const CALLBACK_PREFIX: &str = "sup:";

/// A support button press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Callback {
    /// Show the main menu.
    Menu,
    /// Close the menu (when the host gave no back target).
    Close,
    /// A ticket list page.
    List { resolved: bool, page: usize },
    /// Create, step 1 (also "back" from step 2).
    Create,
    /// Create, step 2 again ("back" from the confirmation).
    CreateText,
    /// Create: confirmed.
    Confirm,
    /// A ticket page.
    Ticket { id: TicketId, page: usize },
    /// The pager's label: does nothing.
    Noop,
}

impl Callback {
    /// The callback data (at most 64 bytes, as Telegram requires: ids are at most 20 digits).
    pub(crate) fn data(self) -> String {
        let body = match self {
            Self::Menu => "m".to_owned(),
            Self::Close => "x".to_owned(),
            Self::List { resolved, page } => {
                format!("l:{}:{page}", if resolved { 'c' } else { 'o' })
            }
            Self::Create => "n".to_owned(),
            Self::CreateText => "nt".to_owned(),
            Self::Confirm => "ny".to_owned(),
            Self::Ticket { id, page } => format!("t:{id}:{page}"),
            Self::Noop => "_".to_owned(),
        };
        format!("{CALLBACK_PREFIX}{body}")
    }

    /// Parses callback data; `None` for data that is not ours or is malformed.
    pub(crate) fn parse(data: &str) -> Option<Self> {
        let body = data.strip_prefix(CALLBACK_PREFIX)?;
        let parts: Vec<&str> = body.split(':').collect();
        Some(match parts.as_slice() {
            ["m"] => Self::Menu,
            ["x"] => Self::Close,
            ["l", kind, page] => Self::List {
                resolved: match *kind {
                    "o" => false,
                    "c" => true,
                    _ => return None,
                },
                page: page.parse().ok()?,
            },
            ["n"] => Self::Create,
            ["nt"] => Self::CreateText,
            ["ny"] => Self::Confirm,
            ["t", id, page] => Self::Ticket {
                id: TicketId::new(id.parse().ok()?),
                page: page.parse().ok()?,
            },
            ["_"] => Self::Noop,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for cb in [
            Callback::Menu,
            Callback::Close,
            Callback::List {
                resolved: true,
                page: 3,
            },
            Callback::List {
                resolved: false,
                page: 0,
            },
            Callback::Create,
            Callback::CreateText,
            Callback::Confirm,
            Callback::Ticket {
                id: TicketId::new(i64::MAX),
                page: 99,
            },
            Callback::Noop,
        ] {
            let data = cb.data();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(Callback::parse(&data), Some(cb), "{data}");
        }
    }

    #[test]
    fn foreign_and_malformed_data_is_not_ours() {
        for data in [
            "menu",
            "sup",
            "sup:",
            "sup:l:z:1",
            "sup:t:abc:0",
            "sup:t:1",
            "sup:m:extra",
            "xsup:m",
        ] {
            assert_eq!(Callback::parse(data), None, "{data}");
        }
    }
}
