//! Creating a ticket \[B5\]: title → text → confirmation, with back at every step. Each step's
//! button and the input typed at it; «Send» is `confirm.rs`.

use teloxide::prelude::*;

use super::confirm::next_draft;
use super::dialogue::{DraftTitle, set_state};
use super::press::Press;
use super::ui::{Field, Notice, Ui};
use crate::screens::{confirm_screen, text_prompt_screen, title_prompt_screen};
use crate::state::{SupportState, SupportStorage};

/// Step 1 ("create", and back from step 2): asks for the title.
pub(super) async fn ask_title(ui: Ui, storage: SupportStorage, press: Press) {
    ui.answer_after(&press, async {
        set_state(&storage, press.chat, SupportState::CreateTitle).await;
        ui.edit(&press, &title_prompt_screen(&ui.texts)).await?;
        Ok(())
    })
    .await;
}

/// Back from the confirmation when there is no draft any more (it was left, or the state was
/// lost): told so, and step 1 again.
pub(super) async fn draft_lost(ui: Ui, storage: SupportStorage, press: Press) {
    ui.answer_with(&press, async {
        set_state(&storage, press.chat, SupportState::CreateTitle).await;
        ui.edit(&press, &title_prompt_screen(&ui.texts)).await?;
        Ok(Some(Notice::alert(&ui.texts.draft_expired)))
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
        // A new number for each version of the draft: «Send» of an older confirmation still on
        // the screen is then told apart (`confirm.rs`).
        let draft = next_draft();
        let screen = confirm_screen(&ui.texts, &title, &text, draft);
        set_state(
            &storage,
            chat,
            SupportState::CreateConfirm {
                title,
                text,
                draft,
                attachments: Vec::new(),
            },
        )
        .await;
        ui.send(chat, &screen).await?;
        Ok(())
    })
    .await;
}
