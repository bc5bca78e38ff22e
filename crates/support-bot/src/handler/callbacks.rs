//! Presses on support buttons \[B3\]–\[B6\]: one endpoint per button, chosen by the parsed
//! [`Callback`]; every press is answered, with an alert when the support server failed.

use support_protocol::TicketId;
use teloxide::RequestError;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;

use super::dialogue::{DraftTitle, stored_state};
use super::press::Press;
use super::ui::Ui;
use super::{Tree, answer, confirm, create, host, lifecycle, menu, ticket};
use crate::callback::Callback;
use crate::state::{SupportState, SupportStorage};
use crate::telegram::answer;

/// Callback queries: support's buttons are taken, a host button ends the support state and is
/// passed on.
pub(super) fn tree<R>() -> Tree
where
    R: Requester<Err = RequestError> + Clone + Send + Sync + 'static,
{
    Update::filter_callback_query()
        .branch(
            dptree::filter_map(|q: CallbackQuery| q.data.as_deref().and_then(Callback::parse))
                .map(Ui::new::<R>)
                .branch(dptree::filter_map(Press::of).chain(buttons()))
                // No message to show a screen in (a message sent in inline mode), or a user id
                // that does not fit: the press is only answered, to stop the button's spinner.
                .endpoint(just_answer),
        )
        // Support's prefix, but data it cannot read: forged, garbled, or from another version.
        // Told so, rather than handed to the host (whose buttons these are not).
        .branch(
            dptree::filter(|q: CallbackQuery| q.data.as_deref().is_some_and(Callback::is_ours))
                .map(Ui::new::<R>)
                .endpoint(unreadable),
        )
        .branch(host::button())
}

/// One endpoint per button.
fn buttons() -> Tree {
    dptree::entry()
        .branch(case![Callback::Menu].endpoint(menu::show))
        .branch(case![Callback::Close].endpoint(menu::close))
        .branch(case![Callback::List { resolved, page }].endpoint(menu::list))
        .branch(case![Callback::Create].endpoint(create::ask_title))
        .branch(
            case![Callback::CreateText]
                .map_async(state_of_press)
                .branch(dptree::filter_map(DraftTitle::of).endpoint(create::ask_text))
                // The draft is lost: told so, and creating starts over.
                .endpoint(create::draft_lost),
        )
        .branch(case![Callback::Confirm { draft }].endpoint(confirm::confirm))
        .branch(case![Callback::Ticket { id, page }].endpoint(ticket::show))
        .branch(
            case![Callback::CloseTicket { id }]
                .map(|id: TicketId| (id, true))
                .endpoint(lifecycle::set_resolved),
        )
        .branch(
            case![Callback::ReopenTicket { id }]
                .map(|id: TicketId| (id, false))
                .endpoint(lifecycle::set_resolved),
        )
        .branch(case![Callback::AnswerTo { id }].endpoint(answer::chosen))
        // The pager's label.
        .branch(case![Callback::Noop].endpoint(just_answer))
}

/// The stored state of the pressing chat.
async fn state_of_press(storage: SupportStorage, press: Press) -> SupportState {
    stored_state(&storage, press.chat).await
}

/// A press on a button with support's prefix whose data does not parse: an alert.
async fn unreadable(ui: Ui, q: CallbackQuery) {
    tracing::debug!(data = ?q.data, "unreadable support button");
    answer(&*ui.bot, &q, Some(&ui.texts.stale_button), true).await;
}

/// Answers a press with nothing to show.
async fn just_answer(ui: Ui, q: CallbackQuery) {
    answer(&*ui.bot, &q, None, false).await;
}
