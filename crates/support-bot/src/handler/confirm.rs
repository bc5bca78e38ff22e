//! «Send» on the confirmation \[B5\]: the ticket is created once, whatever happened to the draft
//! in between. Every press gets an answer:
//!
//! | the stored state | the press | what happens |
//! |---|---|---|
//! | the draft the button shows | | the ticket is created and shown |
//! | a newer version of the draft (a new text was typed) | an older confirmation's | "the draft changed", its current confirmation |
//! | the ticket this draft created | the same button again (a double tap) | "already sent", that ticket |
//! | anything else (no draft: it was left, or the state lost) | | "this draft expired", creating starts again |
//!
//! A button from before drafts had numbers (`sup:ny`) confirms whatever draft there is, as it
//! did, and pressed again shows the ticket just created; a draft stored by that version (number
//! 0) is confirmed by any button.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use support_protocol::{NewAttachment, TelegramId, Ticket, TicketId};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::dialogue::{set_state, stored_state};
use super::press::Press;
use super::serial;
use super::ui::{Notice, Ui};
use crate::client::{SupportClient, Writer};
use crate::error::ClientError;
use crate::escape::escape_html;
use crate::screens::{Screen, confirm_screen, draft_text, ticket_screen, title_prompt_screen};
use crate::state::{DraftId, SupportState, SupportStorage};
use crate::texts::fill;

/// What a press of «Send» means, given the stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Confirmation {
    /// The shown draft: create it.
    Create {
        title: String,
        text: String,
        draft: DraftId,
        attachments: Vec<NewAttachment>,
    },
    /// An older version of the current draft: show the current one.
    Changed {
        title: String,
        text: String,
        draft: DraftId,
        attachments: usize,
    },
    /// Pressed again: the ticket it created.
    AlreadySent(TicketId),
    /// No draft.
    Expired,
}

impl Confirmation {
    fn of(state: SupportState, pressed: Option<DraftId>) -> Self {
        match state {
            SupportState::CreateConfirm {
                title,
                text,
                draft,
                attachments,
            } if pressed.is_none() || draft == 0 || pressed == Some(draft) => Self::Create {
                title,
                text,
                draft,
                attachments,
            },
            SupportState::CreateConfirm {
                title,
                text,
                draft,
                attachments,
            } => Self::Changed {
                title,
                text,
                draft,
                attachments: attachments.len(),
            },
            SupportState::Ticket {
                id,
                created_from: Some(created),
                ..
            } if pressed.is_none_or(|p| p == created) => Self::AlreadySent(id),
            _ => Self::Expired,
        }
    }
}

/// A new draft number: unique enough to tell a chat's drafts apart (the clock in nanoseconds
/// plus a counter, never 0, which stands for "any").
pub(super) fn next_draft() -> DraftId {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    now.wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed))
        .max(1)
}

/// «Send» pressed.
pub(super) async fn confirm(
    ui: Ui,
    client: SupportClient,
    storage: SupportStorage,
    press: Press,
    pressed: Option<DraftId>,
) {
    ui.answer_with(&press, async {
        // Held until the new state is stored: a second press waits, then finds the ticket.
        let _one_at_a_time = serial::lock(press.chat).await;
        let state = stored_state(&storage, press.chat).await;
        match Confirmation::of(state, pressed) {
            Confirmation::Create {
                title,
                text,
                draft,
                attachments,
            } => {
                let ticket =
                    create(&client, press.user, &title, &text, attachments, ui.writer()).await?;
                let state = SupportState::Ticket {
                    id: ticket.id,
                    resolved: ticket.resolved,
                    created_from: Some(draft),
                };
                set_state(&storage, press.chat, state).await;
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
                Ok(None)
            }
            Confirmation::Changed {
                title,
                text,
                draft,
                attachments,
            } => {
                let shown = draft_text(&ui.texts, &text, attachments);
                ui.edit(&press, &confirm_screen(&ui.texts, &title, &shown, draft))
                    .await?;
                Ok(Some(Notice::alert(&ui.texts.draft_changed)))
            }
            Confirmation::AlreadySent(id) => {
                let ticket = client.ticket(id).await?;
                let messages = client.messages(id).await?;
                let screen = ticket_screen(&ui.texts, &ticket, &messages, 0, ui.offset());
                ui.edit(&press, &screen).await?;
                let text = fill(&ui.texts.already_sent, &[("id", &id.to_string())]);
                Ok(Some(Notice::toast(&text)))
            }
            Confirmation::Expired => {
                set_state(&storage, press.chat, SupportState::CreateTitle).await;
                ui.edit(&press, &title_prompt_screen(&ui.texts)).await?;
                Ok(Some(Notice::alert(&ui.texts.draft_expired)))
            }
        }
    })
    .await;
}

/// Creates the ticket. Files copied at step 2 are uploads the server deletes when no message
/// claims them within a day: a draft confirmed later than that is refused for them, and is then
/// sent again with each file described by its Telegram `file_id` only (nothing is lost but the
/// copy).
async fn create(
    client: &SupportClient,
    user: TelegramId,
    title: &str,
    text: &str,
    attachments: Vec<NewAttachment>,
    writer: &Writer,
) -> Result<Ticket, ClientError> {
    let copied = attachments.iter().any(|a| a.upload.is_some());
    match client
        .create_ticket_with_attachments(user, title, text, attachments.clone(), writer)
        .await
    {
        Err(ClientError::Rejected(body)) if copied => {
            tracing::warn!(error = %body.summary(), "a draft's copied files were refused; sending them by file_id");
            let described = attachments
                .into_iter()
                .map(|a| NewAttachment { upload: None, ..a })
                .collect();
            client
                .create_ticket_with_attachments(user, title, text, described, writer)
                .await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(draft: DraftId) -> SupportState {
        SupportState::CreateConfirm {
            title: "T".into(),
            text: "x".into(),
            draft,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_press_is_create_changed_already_sent_or_expired() {
        let create = Confirmation::Create {
            title: "T".into(),
            text: "x".into(),
            draft: 5,
            attachments: Vec::new(),
        };
        assert_eq!(Confirmation::of(draft(5), Some(5)), create);
        // An old `sup:ny` button confirms the current draft.
        assert_eq!(Confirmation::of(draft(5), None), create);
        assert!(matches!(
            Confirmation::of(draft(5), Some(4)),
            Confirmation::Changed { draft: 5, .. }
        ));
        // A draft stored by the old version matches any button.
        assert!(matches!(
            Confirmation::of(draft(0), Some(4)),
            Confirmation::Create { .. }
        ));

        let created = SupportState::Ticket {
            id: TicketId::new(9),
            resolved: false,
            created_from: Some(5),
        };
        assert_eq!(
            Confirmation::of(created.clone(), Some(5)),
            Confirmation::AlreadySent(TicketId::new(9))
        );
        assert_eq!(
            Confirmation::of(created.clone(), None),
            Confirmation::AlreadySent(TicketId::new(9))
        );
        assert_eq!(Confirmation::of(created, Some(6)), Confirmation::Expired);
        assert_eq!(
            Confirmation::of(SupportState::Idle, None),
            Confirmation::Expired
        );
        for state in [
            SupportState::Idle,
            SupportState::CreateTitle,
            SupportState::ticket(TicketId::new(9), false),
        ] {
            assert_eq!(Confirmation::of(state, Some(5)), Confirmation::Expired);
        }
    }

    #[test]
    fn draft_numbers_differ_and_are_never_zero() {
        let (a, b) = (next_draft(), next_draft());
        assert_ne!(a, b);
        assert!(a != 0 && b != 0);
    }
}
