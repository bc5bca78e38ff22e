//! The main menu \[B3\] and the ticket lists \[B4\], behind buttons.

use super::dialogue::set_state;
use super::press::Press;
use super::ui::Ui;
use crate::client::SupportClient;
use crate::screens::list_screen;
use crate::state::{SupportState, SupportStorage};
use crate::telegram::with_retry;

/// The main menu, in place of the pressed screen.
pub(super) async fn show(ui: Ui, storage: SupportStorage, press: Press) {
    ui.answer_after(&press, async {
        set_state(&storage, press.chat, SupportState::Idle).await;
        ui.edit(&press, &ui.menu()).await?;
        Ok(())
    })
    .await;
}

/// The menu's back button when the host gave no back target: the menu is deleted.
pub(super) async fn close(ui: Ui, storage: SupportStorage, press: Press) {
    ui.answer_after(&press, async {
        set_state(&storage, press.chat, SupportState::Idle).await;
        let delete = || ui.bot.delete_message(press.chat, press.message);
        if with_retry("deleteMessage", delete).await.is_err() {
            // Too old to delete (48 h): at least take the buttons away.
            let strip = || ui.bot.remove_keyboard(press.chat, press.message);
            let _ = with_retry("editMessageReplyMarkup", strip).await;
        }
        Ok(())
    })
    .await;
}

/// A page of the user's open or resolved tickets.
pub(super) async fn list(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    (resolved, page): (bool, usize),
) {
    ui.answer_after(&press, async {
        let tickets = client.user_tickets(press.user, resolved).await?;
        set_state(&storage, press.chat, SupportState::Idle).await;
        let screen = list_screen(&ui.texts, &tickets, resolved, page, ui.offset());
        ui.edit(&press, &screen).await?;
        Ok(())
    })
    .await;
}
