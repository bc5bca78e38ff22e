//! Messages in private chats: `/support`, input while the user's [`SupportState`] expects some
//! (one endpoint per state), and host commands, which end the support state and are passed on.

use support_protocol::TicketId;
use teloxide::RequestError;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;

use super::command::{self, Typed};
use super::dialogue::{DraftTitle, expecting_input};
use super::ui::Ui;
use super::{Tree, answer, create, host, media, ticket};
use crate::state::SupportState;

/// Messages: only in private chats, classified once by their text.
pub(super) fn tree<R>() -> Tree
where
    R: Requester<Err = RequestError> + Clone + Send + Sync + 'static,
{
    Update::filter_message()
        .filter(|m: Message| m.chat.is_private())
        .map(|m: Message| Typed::of(&m))
        .branch(
            case![Typed::SupportCommand]
                .map(Ui::new::<R>)
                .endpoint(command::open_menu),
        )
        .branch(
            case![Typed::Other]
                // After the chat's albums (in order): see `media.rs`.
                .inspect_async(media::after_albums)
                // A Telegram reply to support's message about a ticket: to that ticket.
                .branch(
                    dptree::filter_map(answer::ReplyTo::of)
                        .map(Ui::new::<R>)
                        .branch(
                            dptree::filter(|m: Message| media::is_attachment(&m))
                                .endpoint(media::replied_with),
                        )
                        .branch(
                            dptree::filter(|m: Message| media::is_unsupported(&m))
                                .endpoint(media::unsupported),
                        )
                        .endpoint(answer::replied),
                )
                .chain(input::<R>()),
        )
        .branch(case![Typed::HostCommand].chain(host::command()))
}

/// Input, when the state expects some: one endpoint per state.
fn input<R>() -> Tree
where
    R: Requester<Err = RequestError> + Clone + Send + Sync + 'static,
{
    dptree::filter_map_async(expecting_input)
        .map(Ui::new::<R>)
        .branch(case![SupportState::CreateTitle].endpoint(create::title_typed))
        // Step 2, or the confirmation: text, or files (`media.rs`).
        .branch(
            dptree::filter_map(DraftTitle::of)
                .branch(
                    dptree::filter(|m: Message| media::is_attachment(&m))
                        .endpoint(media::sent_in_draft),
                )
                .branch(
                    dptree::filter(|m: Message| media::is_unsupported(&m))
                        .endpoint(media::unsupported_in_draft),
                )
                .endpoint(create::text_typed),
        )
        .branch(
            dptree::filter_map(|state: SupportState| match state {
                SupportState::Ticket { id, resolved, .. } => Some((id, resolved)),
                _ => None,
            })
            .branch(
                dptree::filter(|(_, resolved): (TicketId, bool)| resolved)
                    .endpoint(ticket::typed_in_resolved),
            )
            .branch(
                dptree::filter(|m: Message| media::is_attachment(&m)).endpoint(media::sent_in_open),
            )
            .branch(
                dptree::filter(|m: Message| media::is_unsupported(&m)).endpoint(media::unsupported),
            )
            .endpoint(ticket::typed_in_open),
        )
        .branch(
            dptree::filter_map(|state: SupportState| match state {
                SupportState::Choosing { tickets, held } => Some((tickets, held)),
                _ => None,
            })
            .endpoint(answer::typed_while_choosing),
        )
}
