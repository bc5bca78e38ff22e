//! A ticket \[B6\]: its pages behind buttons, and what the user types while it is shown (a new
//! message in an open ticket; a resolved one is read-only).

use support_protocol::{TelegramId, Ticket, TicketId};
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::dialogue::{set_state, viewing};
use super::press::Press;
use super::ui::{Failure, Field, Ui};
use crate::callback::Callback;
use crate::client::SupportClient;
use crate::error::ClientError;
use crate::screens::{button, ticket_screen};
use crate::state::{SupportState, SupportStorage};

/// A page of one of the user's tickets.
pub(super) async fn show(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    (id, page): (TicketId, usize),
) {
    ui.answer_after(&press, async {
        let ticket = own_ticket(&client, press.user, id).await?;
        let messages = client.messages(id).await?;
        set_state(&storage, press.chat, viewing(&ticket)).await;
        let screen = ticket_screen(&ui.texts, &ticket, &messages, page, ui.offset());
        ui.edit(&press, &screen).await?;
        Ok(())
    })
    .await;
}

/// Typed while a resolved ticket is shown: refused, with a button to open it again.
pub(super) async fn typed_in_resolved(ui: Ui, m: Message, (id, _): (TicketId, bool)) {
    // Telegram failures are logged by `with_retry`; there is nobody else to tell.
    let _ = tell_read_only(&ui, m.chat.id, id).await;
}

/// Typed while an open ticket is shown: sent to it as the user's message, and the ticket shown
/// again.
pub(super) async fn typed_in_open(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    (id, _): (TicketId, bool),
) {
    let chat = m.chat.id;
    ui.reply_after(chat, async {
        let Some(text) = ui.accept(chat, m.text(), Field::Text, None).await? else {
            return Ok(());
        };
        send_text(&ui, &client, &storage, chat, id, &text).await?;
        Ok(())
    })
    .await;
}

/// Sends the user's validated `text` to their ticket `id` and shows the ticket; `true` if it
/// was sent. A ticket that is gone (or not theirs) is said so and support lets go of the chat;
/// a resolved one is said to be read-only, with the button to reopen it.
pub(super) async fn send_text(
    ui: &Ui,
    client: &SupportClient,
    storage: &SupportStorage,
    chat: ChatId,
    id: TicketId,
    text: &str,
) -> Result<bool, Failure> {
    let Some(ticket) = open_ticket(ui, client, storage, chat, id).await? else {
        return Ok(false);
    };
    client
        .send_message_with_attachments(id, text, Vec::new(), ui.writer())
        .await?;
    show_after_sending(ui, client, chat, &ticket).await?;
    Ok(true)
}

/// The user's ticket `id` when it can take a message: open and theirs. Otherwise the user was
/// told why (gone: support lets go of the chat, with the menu; resolved: read-only, with the
/// button to reopen it) and `None`.
pub(super) async fn open_ticket(
    ui: &Ui,
    client: &SupportClient,
    storage: &SupportStorage,
    chat: ChatId,
    id: TicketId,
) -> Result<Option<Ticket>, Failure> {
    let user = TelegramId::new(chat.0);
    // A manager may have resolved it since it was shown, or it may be gone.
    let ticket = match own_ticket(client, user, id).await {
        Ok(ticket) => ticket,
        Err(ClientError::NotFound(_)) => {
            // Text would keep going nowhere: support lets go of the chat, with the menu.
            set_state(storage, chat, SupportState::Idle).await;
            let menu = ui.menu();
            ui.send_html(chat, &ui.texts.not_found, Some(&menu.keyboard))
                .await?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    if ticket.resolved {
        set_state(storage, chat, SupportState::ticket(id, true)).await;
        tell_read_only(ui, chat, id).await?;
        return Ok(None);
    }
    Ok(Some(ticket))
}

/// Shows `ticket` again after the user's message went to it.
pub(super) async fn show_after_sending(
    ui: &Ui,
    client: &SupportClient,
    chat: ChatId,
    ticket: &Ticket,
) -> Result<(), Failure> {
    let messages = client.messages(ticket.id).await?;
    let screen = ticket_screen(&ui.texts, ticket, &messages, 0, ui.offset());
    ui.send(chat, &screen).await?;
    Ok(())
}

/// A ticket of `user`; someone else's ticket is "not found".
pub(super) async fn own_ticket(
    client: &SupportClient,
    user: TelegramId,
    id: TicketId,
) -> Result<Ticket, ClientError> {
    let ticket = client.ticket(id).await?;
    if ticket.user.telegram_id != user {
        return Err(ClientError::NotFound(format!(
            "ticket {id} is not this user's"
        )));
    }
    Ok(ticket)
}

/// Tells the user that the ticket is resolved, so read-only, with buttons to reopen it and to
/// show it.
async fn tell_read_only(ui: &Ui, chat: ChatId, id: TicketId) -> Result<(), RequestError> {
    let keyboard = InlineKeyboardMarkup::new(vec![
        vec![button(
            &ui.texts.reopen_ticket,
            Callback::ReopenTicket { id },
        )],
        vec![button(
            &ui.texts.open_ticket,
            Callback::Ticket { id, page: 0 },
        )],
    ]);
    ui.send_html(chat, &ui.texts.read_only, Some(&keyboard))
        .await
}
