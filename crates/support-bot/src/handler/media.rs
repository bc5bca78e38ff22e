//! Files, locations and contacts a user sends (issue 16), where a message is expected: in an
//! open ticket, or in a Telegram reply to support's message about a ticket, they become a
//! message with attachments; at step 2 of creating a ticket the first message's. While the user
//! is to choose a ticket (`answer.rs`), only text is held, as before. An album's parts are gathered into one message first (`media/album.rs`); any other
//! kind (a poll, a dice, ...) is refused with a clear text.
//!
//! The order of the work: the ticket is checked first (a resolved one takes nothing, so nothing
//! is copied for it), then the files are copied ([`SupportOptions::copy_files`]), then the
//! message is sent.

use support_protocol::{
    MAX_ATTACHMENTS, NewAttachment, TEXT_MAX_CHARS, TicketId, validate_caption,
};
use teloxide::prelude::*;

use super::answer::{ReplyTo, is_creating};
use super::confirm::next_draft;
use super::dialogue::{DraftTitle, set_state};
use super::ticket::{open_ticket, show_after_sending};
use super::ui::{Failure, Step, Ui};
use crate::client::SupportClient;
use crate::media::album::{self, Added};
use crate::media::copy::copy_all;
use crate::media::describe::describe;
use crate::screens::{confirm_screen, draft_text, text_prompt_screen};
use crate::state::{SupportState, SupportStorage};

#[cfg(doc)]
use super::SupportOptions;

/// Where the attachments go.
#[derive(Debug, Clone)]
enum Target {
    /// An open ticket of the user's: a new message.
    Ticket(TicketId),
    /// A Telegram reply to a message about this ticket: a new message, and the ticket becomes
    /// the current one (as for a text reply, `answer.rs`).
    Reply(TicketId),
    /// The draft at step 2 (its title): the first message, then the confirmation.
    Draft(String),
}

/// Whether a message is one of the kinds support takes as an attachment.
pub(super) fn is_attachment(m: &Message) -> bool {
    describe(m).is_some()
}

/// Whether a message is neither text nor an attachment: a kind support does not take.
pub(super) fn is_unsupported(m: &Message) -> bool {
    m.text().is_none() && !is_attachment(m)
}

/// Sent while an open ticket is shown: a message with attachments in it.
pub(super) async fn sent_in_open(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    (id, _): (TicketId, bool),
) {
    take(ui, client, storage, m, Target::Ticket(id)).await;
}

/// Sent at step 2 of creating a ticket (or at the confirmation, replacing the first message).
pub(super) async fn sent_in_draft(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    DraftTitle(title): DraftTitle,
) {
    take(ui, client, storage, m, Target::Draft(title)).await;
}

/// Sent as a Telegram reply to support's message about ticket `id`.
pub(super) async fn replied_with(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    m: Message,
    ReplyTo(id): ReplyTo,
) {
    take(ui, client, storage, m, Target::Reply(id)).await;
}

/// A kind support does not take, where text or a file is expected: said so, nothing stored.
pub(super) async fn unsupported(ui: Ui, m: Message) {
    // Telegram failures are logged by `with_retry`; there is nobody else to tell.
    let _ = ui
        .send_html(m.chat.id, &ui.texts.unsupported_message, None)
        .await;
}

/// A kind support does not take at step 2 of creating a ticket: said so, with the step's back
/// button, the draft unchanged.
pub(super) async fn unsupported_in_draft(ui: Ui, m: Message, DraftTitle(title): DraftTitle) {
    let keyboard = text_prompt_screen(&ui.texts, &title).keyboard;
    let _ = ui
        .send_html(m.chat.id, &ui.texts.unsupported_message, Some(&keyboard))
        .await;
}

/// Waits, before a chat's message that is not part of an album is handled, until the chat's
/// albums are sent, so the message reaches the ticket after them.
pub(super) async fn after_albums(m: Message) {
    if m.media_group_id().is_none() {
        album::global().settled(m.chat.id).await;
    }
}

/// A single message goes now; an album's part joins its group, whose first part's task sends
/// them all once the group is complete.
async fn take(ui: Ui, client: SupportClient, storage: SupportStorage, m: Message, target: Target) {
    let chat = m.chat.id;
    let Some(group) = m.media_group_id().map(|g| g.0.clone()) else {
        return send(&ui, &client, &storage, chat, target, vec![m]).await;
    };
    match album::global().add(chat, &group, m) {
        Added::First(collecting) => {
            // Not awaited here: the dispatcher hands this chat's next updates (the album's other
            // parts) to the handler only after this endpoint returns.
            tokio::spawn(async move {
                let parts = collecting.parts().await;
                send(&ui, &client, &storage, chat, target, parts).await;
                // Only now may the chat's next messages go (`after_albums`).
                drop(collecting);
            });
        }
        Added::Joined => {}
        Added::Alone(m) => {
            // Late for its group (being sent), or over a bound: after the chat's albums, alone.
            album::global().settled(chat).await;
            send(&ui, &client, &storage, chat, target, vec![m]).await;
        }
    }
}

/// Sends `parts` (one message, or an album's parts in any order) as one message to `target`.
async fn send(
    ui: &Ui,
    client: &SupportClient,
    storage: &SupportStorage,
    chat: ChatId,
    target: Target,
    mut parts: Vec<Message>,
) {
    if parts.is_empty() {
        return;
    }
    parts.sort_by_key(|m| m.id.0);
    ui.reply_after(chat, async {
        // An album has one caption, on whichever part the user typed it.
        let caption = parts.iter().find_map(Message::caption).unwrap_or("");
        // Telegram's captions (1,024 characters) are far below a message's limit: cut, never
        // refused, so the files are not lost over their caption.
        let caption = validate_caption(caption).unwrap_or_else(|_| {
            let cut: String = caption.chars().take(TEXT_MAX_CHARS).collect();
            cut.trim().to_owned()
        });
        let attachments: Vec<NewAttachment> = parts
            .iter()
            .filter_map(describe)
            .take(MAX_ATTACHMENTS)
            .collect();
        match target {
            Target::Ticket(id) => {
                to_ticket(ui, client, storage, chat, id, &caption, attachments).await?;
                Ok(())
            }
            Target::Reply(id) => {
                let creating = is_creating(storage, chat).await;
                let sent = to_ticket(ui, client, storage, chat, id, &caption, attachments).await?;
                if sent && !creating {
                    set_state(storage, chat, SupportState::ticket(id, false)).await;
                }
                Ok(())
            }
            Target::Draft(title) => {
                to_draft(ui, client, storage, chat, title, caption, attachments).await
            }
        }
    })
    .await;
}

async fn to_ticket(
    ui: &Ui,
    client: &SupportClient,
    storage: &SupportStorage,
    chat: ChatId,
    id: TicketId,
    caption: &str,
    attachments: Vec<NewAttachment>,
) -> Result<bool, Failure> {
    let Some(ticket) = open_ticket(ui, client, storage, chat, id).await? else {
        return Ok(false);
    };
    let attachments = copied(ui, client, attachments).await;
    client
        .send_message_with_attachments(id, caption, attachments, ui.writer())
        .await?;
    show_after_sending(ui, client, chat, &ticket).await?;
    Ok(true)
}

async fn to_draft(
    ui: &Ui,
    client: &SupportClient,
    storage: &SupportStorage,
    chat: ChatId,
    title: String,
    caption: String,
    attachments: Vec<NewAttachment>,
) -> Step {
    if attachments.is_empty() {
        // Not reached: only messages with an attachment are routed here.
        return Ok(());
    }
    let attachments = copied(ui, client, attachments).await;
    let draft = next_draft();
    let shown = draft_text(&ui.texts, &caption, attachments.len());
    let screen = confirm_screen(&ui.texts, &title, &shown, draft);
    set_state(
        storage,
        chat,
        SupportState::CreateConfirm {
            title,
            text: caption,
            draft,
            attachments,
        },
    )
    .await;
    ui.send(chat, &screen).await?;
    Ok(())
}

/// The attachments, their files copied to the server when the options say so.
async fn copied(
    ui: &Ui,
    client: &SupportClient,
    attachments: Vec<NewAttachment>,
) -> Vec<NewAttachment> {
    match &ui.files {
        Some(bot) => copy_all(bot, client, attachments).await,
        None => attachments,
    }
}
