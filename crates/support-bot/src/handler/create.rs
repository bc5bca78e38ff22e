//! Creating a ticket \[B5\]: title → text → confirmation → created, with back at every step. Each
//! step's button and the input typed at it.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::dialogue::{DraftTitle, set_state, viewing};
use super::press::Press;
use super::ui::{Field, Ui};
use crate::client::SupportClient;
use crate::escape::escape_html;
use crate::screens::{
    Screen, confirm_screen, text_prompt_screen, ticket_screen, title_prompt_screen,
};
use crate::state::{SupportState, SupportStorage};
use crate::texts::fill;

/// Step 1 ("create", and back from step 2): asks for the title.
pub(super) async fn ask_title(ui: Ui, storage: SupportStorage, press: Press) {
    ui.answer_after(&press, async {
        set_state(&storage, press.chat, SupportState::CreateTitle).await;
        ui.edit(&press, &title_prompt_screen(&ui.texts)).await?;
        Ok(())
    })
    .await;
}

/// Back from the confirmation to step 2: asks for the text again, the title kept.
pub(super) async fn ask_text(
    ui: Ui,
    storage: SupportStorage,
    press: Press,
    DraftTitle(title): DraftTitle,
) {
    ui.answer_after(&press, async {
        let screen = text_prompt_screen(&ui.texts, &title);
        set_state(&storage, press.chat, SupportState::CreateText { title }).await;
        ui.edit(&press, &screen).await?;
        Ok(())
    })
    .await;
}

/// Confirmed: the ticket is created with its first message, and shown.
pub(super) async fn confirm(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    (title, text): (String, String),
) {
    ui.answer_after(&press, async {
        let ticket = client
            .create_ticket_with_language(press.user, &title, &text, ui.language())
            .await?;
        set_state(&storage, press.chat, viewing(&ticket)).await;
        let created = Screen {
            text: fill(
                &ui.texts.created,
                &[
                    ("id", &ticket.id.to_string()),
                    ("title", &escape_html(&ticket.title)),
                ],
            ),
            keyboard: InlineKeyboardMarkup::new(Vec::<Vec<InlineKeyboardButton>>::new()),
        };
        ui.edit(&press, &created).await?;
        let messages = client.messages(ticket.id).await?;
        let screen = ticket_screen(&ui.texts, &ticket, &messages, 0, ui.offset());
        ui.send(press.chat, &screen).await?;
        Ok(())
    })
    .await;
}

/// Typed at step 1: the title; then step 2.
pub(super) async fn title_typed(ui: Ui, storage: SupportStorage, m: Message) {
    let chat = m.chat.id;
    ui.reply_after(chat, async {
        let keyboard = title_prompt_screen(&ui.texts).keyboard;
        let Some(title) = ui
            .accept(chat, m.text(), Field::Title, Some(&keyboard))
            .await?
        else {
            return Ok(());
        };
        let screen = text_prompt_screen(&ui.texts, &title);
        set_state(&storage, chat, SupportState::CreateText { title }).await;
        ui.send(chat, &screen).await?;
        Ok(())
    })
    .await;
}

/// Typed at step 2, or at the confirmation (a new text replaces the first): the text; then the
/// confirmation.
pub(super) async fn text_typed(
    ui: Ui,
    storage: SupportStorage,
    m: Message,
    DraftTitle(title): DraftTitle,
) {
    let chat = m.chat.id;
    ui.reply_after(chat, async {
        let keyboard = text_prompt_screen(&ui.texts, &title).keyboard;
        let Some(text) = ui
            .accept(chat, m.text(), Field::Text, Some(&keyboard))
            .await?
        else {
            return Ok(());
        };
        let screen = confirm_screen(&ui.texts, &title, &text);
        set_state(&storage, chat, SupportState::CreateConfirm { title, text }).await;
        ui.send(chat, &screen).await?;
        Ok(())
    })
    .await;
}
