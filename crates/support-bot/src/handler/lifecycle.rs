//! The user's side of a ticket's lifecycle: «Close ticket» resolves it, «Reopen» opens it again
//! (from the ticket screen, a refusal to write in a resolved ticket, or the notice that support
//! resolved it). The server tells the managers (`ticket.updated`).
//!
//! Closing takes one tap, without a confirmation: the screen that follows has «Reopen» where
//! «Close ticket» was, so a mistaken tap is undone by the next one.

use support_protocol::{TicketId, TicketPatch};

use super::dialogue::{set_state, viewing};
use super::press::Press;
use super::ticket::own_ticket;
use super::ui::{Notice, Ui};
use crate::client::SupportClient;
use crate::screens::ticket_screen;
use crate::state::SupportStorage;

/// Resolves (`resolved`) or reopens ticket `id` of the pressing user, and shows it with a short
/// notice. Pressing it when the ticket already is so (a double tap, a stale screen) is the
/// same: the PATCH changes nothing and the ticket is shown.
pub(super) async fn set_resolved(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    (id, resolved): (TicketId, bool),
) {
    ui.answer_with(&press, async {
        own_ticket(&client, press.user, id).await?;
        let patch = TicketPatch {
            resolved: Some(resolved),
            ..TicketPatch::default()
        };
        let ticket = client.update_ticket(id, &patch).await?;
        set_state(&storage, press.chat, viewing(&ticket)).await;
        let messages = client.messages(id).await?;
        let screen = ticket_screen(&ui.texts, &ticket, &messages, 0, ui.offset());
        ui.edit(&press, &screen).await?;
        let notice = if ticket.resolved {
            &ui.texts.ticket_closed
        } else {
            &ui.texts.ticket_reopened
        };
        Ok(Some(Notice::toast(notice)))
    })
    .await;
}
