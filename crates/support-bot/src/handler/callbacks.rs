//! Presses on support buttons \[B3\]–\[B6\]: one endpoint per button, chosen by the parsed
//! [`Callback`]; every press is answered, with an alert when the support server failed.

use teloxide::RequestError;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;

use super::dialogue::{DraftTitle, stored_state};
use super::press::Press;
use super::ui::Ui;
use super::{Tree, create, host, menu, ticket};
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
                // The draft is lost: start over.
                .endpoint(create::ask_title),
        )
        .branch(
            case![Callback::Confirm]
                .map_async(state_of_press)
                .branch(
                    case![SupportState::CreateConfirm { title, text }].endpoint(create::confirm),
                )
                // Pressed twice, or the state was lost: nothing to confirm; back to the menu.
                .endpoint(menu::show),
        )
        .branch(case![Callback::Ticket { id, page }].endpoint(ticket::show))
        // The pager's label.
        .branch(case![Callback::Noop].endpoint(just_answer))
}

/// The stored state of the pressing chat.
async fn state_of_press(storage: SupportStorage, press: Press) -> SupportState {
    stored_state(&storage, press.chat).await
}

/// Answers a press with nothing to show.
async fn just_answer(ui: Ui, q: CallbackQuery) {
    answer(&*ui.bot, &q, None, false).await;
}
