//! The callback data of the support buttons. Every one starts with [`CALLBACK_PREFIX`], which is
//! how the handler tells its own button presses from the host's.

use support_protocol::TicketId;

use crate::state::DraftId;

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
    /// Create: confirmed. `draft` is the number of the confirmed draft; `None` from a button
    /// sent by an older version of the bot (`sup:ny`), which confirms whatever draft there is.
    Confirm { draft: Option<DraftId> },
    /// A ticket page.
    Ticket { id: TicketId, page: usize },
    /// The user closes (resolves) their ticket.
    CloseTicket { id: TicketId },
    /// The user reopens their resolved ticket.
    ReopenTicket { id: TicketId },
    /// The held text goes to this ticket (the user chose among several,
    /// [`SupportState::Choosing`](crate::SupportState::Choosing)).
    AnswerTo { id: TicketId },
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
            Self::Confirm { draft: None } => "ny".to_owned(),
            Self::Confirm { draft: Some(draft) } => format!("ny:{draft}"),
            Self::Ticket { id, page } => format!("t:{id}:{page}"),
            Self::CloseTicket { id } => format!("tx:{id}"),
            Self::ReopenTicket { id } => format!("to:{id}"),
            Self::AnswerTo { id } => format!("ca:{id}"),
            Self::Noop => "_".to_owned(),
        };
        format!("{CALLBACK_PREFIX}{body}")
    }

    /// Whether `data` is support's (it has [`CALLBACK_PREFIX`]), parsable or not: support's
    /// data that does not parse (forged, or from a future version) is support's to answer.
    pub(crate) fn is_ours(data: &str) -> bool {
        data.starts_with(CALLBACK_PREFIX)
    }

    /// The ticket a support message with this button is about: its pages, its close and reopen
    /// buttons, an answer to it. What a Telegram reply to that message answers.
    pub(crate) fn ticket(self) -> Option<TicketId> {
        match self {
            Self::Ticket { id, .. }
            | Self::CloseTicket { id }
            | Self::ReopenTicket { id }
            | Self::AnswerTo { id } => Some(id),
            _ => None,
        }
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
            ["ny"] => Self::Confirm { draft: None },
            ["ny", draft] => Self::Confirm {
                draft: Some(draft.parse().ok()?),
            },
            ["t", id, page] => Self::Ticket {
                id: TicketId::new(id.parse().ok()?),
                page: page.parse().ok()?,
            },
            ["tx", id] => Self::CloseTicket {
                id: TicketId::new(id.parse().ok()?),
            },
            ["to", id] => Self::ReopenTicket {
                id: TicketId::new(id.parse().ok()?),
            },
            ["ca", id] => Self::AnswerTo {
                id: TicketId::new(id.parse().ok()?),
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
            Callback::Confirm { draft: None },
            Callback::Confirm {
                draft: Some(u64::MAX),
            },
            Callback::Ticket {
                id: TicketId::new(i64::MAX),
                page: 99,
            },
            Callback::CloseTicket {
                id: TicketId::new(i64::MAX),
            },
            Callback::ReopenTicket {
                id: TicketId::new(3),
            },
            Callback::AnswerTo {
                id: TicketId::new(i64::MAX),
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
            "sup:ny:-1",
            "sup:ny:1:2",
            "sup:tx:",
            "sup:to:x",
            "xsup:m",
        ] {
            assert_eq!(Callback::parse(data), None, "{data}");
        }
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::*;

        /// Every button the bot can send, with any ids, pages and drafts.
        fn callback() -> impl Strategy<Value = Callback> {
            let id = any::<i64>().prop_map(TicketId::new);
            prop_oneof![
                Just(Callback::Menu),
                Just(Callback::Close),
                (any::<bool>(), any::<usize>())
                    .prop_map(|(resolved, page)| Callback::List { resolved, page }),
                Just(Callback::Create),
                Just(Callback::CreateText),
                proptest::option::of(any::<u64>()).prop_map(|draft| Callback::Confirm { draft }),
                (id.clone(), any::<usize>()).prop_map(|(id, page)| Callback::Ticket { id, page }),
                id.clone().prop_map(|id| Callback::CloseTicket { id }),
                id.clone().prop_map(|id| Callback::ReopenTicket { id }),
                id.prop_map(|id| Callback::AnswerTo { id }),
                Just(Callback::Noop),
            ]
        }

        /// Data as a forged or stale button, or a host's own, would carry: real data mutated,
        /// support's prefix with anything after it, anything at all.
        fn data() -> impl Strategy<Value = String> {
            prop_oneof![
                (
                    callback(),
                    any::<prop::sample::Index>(),
                    any::<char>(),
                    0u8..3
                )
                    .prop_map(|(cb, at, c, how)| {
                        let mut data: Vec<char> = cb.data().chars().collect();
                        let at = at.index(data.len());
                        match how {
                            0 => data.truncate(at),
                            1 => data.insert(at, c),
                            _ => data[at] = c,
                        }
                        data.into_iter().collect()
                    }),
                "sup:[a-z_]{0,3}(:[-+0-9a-z ]{0,24}){0,3}",
                crate::fuzz::nasty_text(16).prop_map(|t| format!("{CALLBACK_PREFIX}{t}")),
                crate::fuzz::nasty_text(16),
            ]
        }

        proptest! {
            #![proptest_config(crate::fuzz::config())]

            /// What the bot sends comes back as it was, within Telegram's 64 bytes.
            #[test]
            fn round_trip_within_64_bytes(cb in callback()) {
                let data = cb.data();
                prop_assert!(data.len() <= 64, "{} bytes: {}", data.len(), data);
                prop_assert!(Callback::is_ours(&data));
                prop_assert_eq!(Callback::parse(&data), Some(cb));
            }

            /// Anything else is `None` or a button whose own data reads back the same: no panic,
            /// and only support's prefix is ever read.
            #[test]
            fn arbitrary_data_never_panics(data in data()) {
                match Callback::parse(&data) {
                    None => {}
                    Some(cb) => {
                        prop_assert!(Callback::is_ours(&data));
                        prop_assert_eq!(Callback::parse(&cb.data()), Some(cb));
                        prop_assert!(cb.data().len() <= 64);
                    }
                }
                if !data.starts_with(CALLBACK_PREFIX) {
                    prop_assert_eq!(Callback::parse(&data), None);
                }
            }
        }
    }
}
