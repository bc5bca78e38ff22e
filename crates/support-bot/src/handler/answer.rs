//! Answers go where the user meant them \[B8\]:
//! - a Telegram reply to a support message about a ticket (a pushed reply, a ticket screen)
//!   goes to that ticket, whatever else is going on;
//! - a pushed reply makes its ticket the current one ([`after_push`],
//!   [`SupportState::after_reply_in`]), so typing answers it, unless the user is creating a
//!   ticket;
//! - when that is ambiguous (support replied in another ticket than the one the user was in, or
//!   in several), typed text is held and the user chooses the ticket with a button.

use support_protocol::{TelegramId, Ticket, TicketId, validate_text};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::dialogue::{set_state, stored_state};
use super::press::Press;
use super::ticket::{own_ticket, send_text};
use super::ui::{Field, Ui};
use crate::callback::Callback;
use crate::client::SupportClient;
use crate::error::ClientError;
use crate::state::{SupportState, SupportStorage};
use crate::telegram::answer;
use crate::texts::fill;

/// After support's reply in `ticket` reached `chat`: the ticket becomes the current one, or a
/// candidate to choose from ([`SupportState::after_reply_in`]).
pub(crate) async fn after_push(storage: &SupportStorage, chat: ChatId, ticket: TicketId) {
    let state = stored_state(storage, chat).await;
    if let Some(next) = state.after_reply_in(ticket) {
        set_state(storage, chat, next).await;
    }
}

/// After support resolved or reopened `ticket`: a stored view of it follows, so typed text is
/// refused (resolved) or taken (reopened) as the ticket now is.
pub(crate) async fn after_resolution(storage: &SupportStorage, chat: ChatId, ticket: &Ticket) {
    if let SupportState::Ticket { id, .. } = stored_state(storage, chat).await
        && id == ticket.id
    {
        set_state(storage, chat, SupportState::ticket(id, ticket.resolved)).await;
    }
}

/// The ticket a message replies to: a support message whose buttons name a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReplyTo(pub(super) TicketId);

impl ReplyTo {
    // By value: dptree injects dependencies by value.
    #[allow(clippy::needless_pass_by_value)]
    pub(super) fn of(m: Message) -> Option<Self> {
        let replied = m.reply_to_message()?;
        if !replied.from.as_ref().is_some_and(|u| u.is_bot) {
            return None;
        }
        replied
            .reply_markup()?
            .inline_keyboard
            .iter()
            .flatten()
            .find_map(|b| match &b.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(data) => {
                    Callback::parse(data).and_then(Callback::ticket)
                }
                _ => None,
            })
            .map(Self)
    }
}

/// A Telegram reply to a message about ticket `id`: the text goes there. The ticket becomes the
/// current one, unless a ticket is being created (that draft stays as it was).
pub(super) async fn replied(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    ReplyTo(id): ReplyTo,
) {
    let chat = m.chat.id;
    ui.reply_after(chat, async {
        let Some(text) = ui.accept(chat, m.text(), Field::Text, None).await? else {
            return Ok(());
        };
        let creating = is_creating(&storage, chat).await;
        if send_text(&ui, &client, &storage, chat, id, &text).await? && !creating {
            set_state(&storage, chat, SupportState::ticket(id, false)).await;
        }
        Ok(())
    })
    .await;
}

/// Whether the user is creating a ticket (a reply elsewhere leaves that draft as it is).
pub(super) async fn is_creating(storage: &SupportStorage, chat: ChatId) -> bool {
    matches!(
        stored_state(storage, chat).await,
        SupportState::CreateTitle
            | SupportState::CreateText { .. }
            | SupportState::CreateConfirm { .. }
    )
}

/// Typed while the ticket is to be chosen: held (added to what is held already), and the
/// choice asked for.
pub(super) async fn typed_while_choosing(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    (tickets, held): (Vec<TicketId>, Option<String>),
) {
    let chat = m.chat.id;
    ui.reply_after(chat, async {
        let Some(text) = ui.accept(chat, m.text(), Field::Text, None).await? else {
            return Ok(());
        };
        let combined = match held {
            Some(held) => format!("{held}\n\n{text}"),
            None => text,
        };
        // Everything held goes as one message, so it is held within one message's limit.
        let Some(combined) = ui.accept(chat, Some(&combined), Field::Text, None).await? else {
            return Ok(());
        };
        // The candidates that can still take text: the user's own open tickets.
        let mut open = Vec::new();
        for id in tickets {
            match own_ticket(&client, TelegramId::new(chat.0), id).await {
                Ok(ticket) if !ticket.resolved => open.push(ticket),
                Ok(_) | Err(ClientError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match open.as_slice() {
            [] => {
                set_state(&storage, chat, SupportState::Idle).await;
                let menu = ui.menu();
                ui.send_html(chat, &ui.texts.not_found, Some(&menu.keyboard))
                    .await?;
            }
            [only] => {
                if send_text(&ui, &client, &storage, chat, only.id, &combined).await? {
                    set_state(&storage, chat, SupportState::ticket(only.id, false)).await;
                }
            }
            several => {
                set_state(
                    &storage,
                    chat,
                    SupportState::Choosing {
                        tickets: several.iter().map(|t| t.id).collect(),
                        held: Some(combined),
                    },
                )
                .await;
                let keyboard = InlineKeyboardMarkup::new(several.iter().map(|t| {
                    vec![InlineKeyboardButton::callback(
                        fill(
                            &ui.texts.choose_button,
                            &[("id", &t.id.to_string()), ("title", &t.title)],
                        ),
                        Callback::AnswerTo { id: t.id }.data(),
                    )]
                }));
                ui.send_html(chat, &ui.texts.choose_ticket, Some(&keyboard))
                    .await?;
            }
        }
        Ok(())
    })
    .await;
}

/// The user chose the ticket for the held text: sent there, and that ticket is the current one.
/// A stale choice (nothing held any more, another ticket) is said to be so.
pub(super) async fn chosen(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    id: TicketId,
) {
    let held = match stored_state(&storage, press.chat).await {
        SupportState::Choosing {
            tickets,
            held: Some(held),
        } if tickets.contains(&id) => Some(held),
        _ => None,
    };
    let Some(held) = held.filter(|h| validate_text(h).is_ok()) else {
        answer(&*ui.bot, &press.query, Some(&ui.texts.stale_button), true).await;
        return;
    };
    ui.answer_after(&press, async {
        if send_text(&ui, &client, &storage, press.chat, id, &held).await? {
            set_state(&storage, press.chat, SupportState::ticket(id, false)).await;
        }
        Ok(())
    })
    .await;
}
