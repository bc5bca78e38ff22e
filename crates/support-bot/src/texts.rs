//! Every text the bot part shows, in one replaceable struct \[B10\].

use std::borrow::Cow;

/// A text of the bot: borrowed for the built-in languages, owned when the host replaces it.
pub type Text = Cow<'static, str>;

/// All texts of the support screens. Russian by default (as the Python original), English via
/// [`Texts::english`]; a host changes any field, or builds its own.
///
/// Placeholders in braces (`{id}`, `{title}`, `{max}`, `{actual}`) are filled in by the bot. The
/// texts are HTML (`ParseMode::Html`): user and manager texts put into them are escaped, the
/// templates themselves are not, so they may use `<b>` and must escape a literal `<` or `&`.
/// Cloning is cheap as long as the fields are borrowed.
///
/// ```
/// use support_bot::Texts;
/// let mut texts = Texts::english();
/// texts.support_button = "Help".into();
/// assert_eq!(Texts::default().support_button, "Поддержка");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Texts {
    /// The button that opens support ([`crate::support_button`]).
    pub support_button: Text,
    /// The main menu's heading.
    pub menu_title: Text,
    /// Main menu: the open tickets.
    pub menu_open: Text,
    /// Main menu: the resolved tickets.
    pub menu_closed: Text,
    /// Main menu: open a ticket.
    pub menu_create: Text,
    /// The back button on every screen.
    pub back: Text,
    /// The heading of the open tickets list.
    pub open_list_title: Text,
    /// The heading of the resolved tickets list.
    pub closed_list_title: Text,
    /// A list with no tickets.
    pub list_empty: Text,
    /// The pager's "previous page" button.
    pub prev_page: Text,
    /// The pager's "next page" button.
    pub next_page: Text,
    /// Create, step 1 (`{max}`).
    pub create_title_prompt: Text,
    /// Create, step 2 (`{title}`, `{max}`).
    pub create_text_prompt: Text,
    /// Create, step 3 (`{title}`, `{text}`).
    pub create_confirm: Text,
    /// The confirm button.
    pub confirm: Text,
    /// A ticket was created (`{id}`, `{title}`).
    pub created: Text,
    /// Input over the limit (`{max}`, `{actual}`).
    pub too_long: Text,
    /// Empty input (`{max}`).
    pub empty: Text,
    /// A message that is not text where text is expected.
    pub not_text: Text,
    /// A message of a kind support does not take (a poll, a dice, ...) where text or a file is
    /// expected.
    pub unsupported_message: Text,
    /// Under a message or draft with attachments (`{count}`; plain text, shown escaped).
    pub attachments_note: Text,
    /// The ticket view's heading (`{id}`, `{title}`).
    pub ticket_header: Text,
    /// Shown under an open ticket.
    pub ticket_open_hint: Text,
    /// Shown under a resolved ticket.
    pub ticket_resolved_note: Text,
    /// A ticket without messages.
    pub no_messages: Text,
    /// The sender label of the user's own messages.
    pub sender_user: Text,
    /// The sender label of the managers' messages.
    pub sender_manager: Text,
    /// Text typed in a resolved ticket.
    pub read_only: Text,
    /// The heading of a pushed manager reply (`{id}`, `{title}`).
    pub reply_header: Text,
    /// The button under a pushed reply.
    pub open_ticket: Text,
    /// The backend is down.
    pub unavailable: Text,
    /// The ticket does not exist (any more), or is not the user's.
    pub not_found: Text,
    /// The server refused the input for a reason of its own (`{reason}`).
    pub rejected: Text,
    /// The button under an open ticket that closes (resolves) it.
    pub close_ticket: Text,
    /// The button under a resolved ticket that opens it again.
    pub reopen_ticket: Text,
    /// The user closed a ticket (a short notice over the ticket).
    pub ticket_closed: Text,
    /// The user reopened a ticket (a short notice over the ticket).
    pub ticket_reopened: Text,
    /// Support resolved the user's ticket (`{id}`, `{title}`; [`crate::screens::resolved_screen`]).
    pub resolved_notice: Text,
    /// Support reopened the user's ticket (`{id}`, `{title}`; [`crate::screens::reopened_screen`]).
    pub reopened_notice: Text,
    /// «Send» pressed when there is no draft any more (an alert; creating starts again).
    pub draft_expired: Text,
    /// «Send» of an older version of the draft (an alert; the current one is shown).
    pub draft_changed: Text,
    /// «Send» pressed again after the ticket was created (`{id}`; the ticket is shown).
    pub already_sent: Text,
    /// A support button whose data the bot cannot read (forged, or from another version).
    pub stale_button: Text,
    /// Under a pushed reply: how to answer it (`{id}`).
    pub reply_hint: Text,
    /// Replies came in several tickets: which one is the typed text for?
    pub choose_ticket: Text,
    /// A ticket to choose (`{id}`, `{title}`; plain text, not HTML: a button label).
    pub choose_button: Text,
}

impl Default for Texts {
    fn default() -> Self {
        Self::russian()
    }
}

impl Texts {
    /// The Russian texts (the default).
    pub fn russian() -> Self {
        Self {
            support_button: "Поддержка".into(),
            menu_title: "<b>Поддержка</b>\nВыберите действие:".into(),
            menu_open: "Открытые обращения".into(),
            menu_closed: "Закрытые обращения".into(),
            menu_create: "Создать обращение".into(),
            back: "« Назад".into(),
            open_list_title: "<b>Открытые обращения</b>".into(),
            closed_list_title: "<b>Закрытые обращения</b>".into(),
            list_empty: "Обращений нет.".into(),
            prev_page: "◀".into(),
            next_page: "▶".into(),
            create_title_prompt: "Введите тему обращения (не более {max} символов):".into(),
            create_text_prompt:
                "Тема: <b>{title}</b>\n\nОпишите проблему (не более {max} символов):".into(),
            create_confirm: "Проверьте обращение:\n\nТема: <b>{title}</b>\n\n{text}".into(),
            confirm: "Отправить".into(),
            created: "Обращение #{id} «{title}» создано. Менеджер ответит здесь.".into(),
            too_long:
                "Слишком длинно: {actual} символов, можно не более {max}. Попробуйте ещё раз."
                    .into(),
            empty: "Текст не может быть пустым (не более {max} символов). Попробуйте ещё раз."
                .into(),
            not_text: "Пожалуйста, отправьте текст.".into(),
            unsupported_message: "Такое сообщение не отправить в поддержку. Пожалуйста, \
                отправьте текст, фото, видео, файл, голосовое сообщение, геопозицию или контакт."
                .into(),
            attachments_note: "📎 Вложений: {count}".into(),
            ticket_header: "<b>Обращение #{id} {title}</b>".into(),
            ticket_open_hint: "<i>Чтобы написать менеджеру, просто отправьте сообщение.</i>".into(),
            ticket_resolved_note: "<i>Обращение закрыто, писать в него нельзя.</i>".into(),
            no_messages: "Сообщений пока нет.".into(),
            sender_user: "Вы".into(),
            sender_manager: "Менеджер".into(),
            read_only: "Обращение закрыто: отправить в него сообщение нельзя.".into(),
            reply_header: "<b>Ответ поддержки</b> по обращению #{id} {title}:".into(),
            open_ticket: "Открыть обращение".into(),
            unavailable: "Сервис временно недоступен, попробуйте позже".into(),
            not_found: "Обращение не найдено.".into(),
            rejected: "Сервер отклонил запрос: {reason}".into(),
            close_ticket: "Закрыть обращение".into(),
            reopen_ticket: "Открыть снова".into(),
            ticket_closed: "Обращение закрыто.".into(),
            ticket_reopened: "Обращение снова открыто.".into(),
            resolved_notice:
                "Обращение #{id} «{title}» решено. Если вопрос остался, откройте его снова.".into(),
            reopened_notice: "Поддержка снова открыла обращение #{id} «{title}».".into(),
            draft_expired: "Черновик обращения устарел, начните заново.".into(),
            draft_changed: "Черновик изменился: проверьте его и отправьте ещё раз.".into(),
            already_sent: "Обращение #{id} уже отправлено.".into(),
            stale_button: "Эта кнопка больше не действует.".into(),
            reply_hint: "<i>Ответьте на это сообщение или просто напишите — ответ уйдёт в обращение #{id}.</i>".into(),
            choose_ticket: "Поддержка ответила в нескольких обращениях. В какое отправить ваше сообщение?".into(),
            choose_button: "#{id} {title}".into(),
        }
    }

    /// The English texts.
    pub fn english() -> Self {
        Self {
            support_button: "Support".into(),
            menu_title: "<b>Support</b>\nChoose an action:".into(),
            menu_open: "Open tickets".into(),
            menu_closed: "Closed tickets".into(),
            menu_create: "New ticket".into(),
            back: "« Back".into(),
            open_list_title: "<b>Open tickets</b>".into(),
            closed_list_title: "<b>Closed tickets</b>".into(),
            list_empty: "No tickets.".into(),
            prev_page: "◀".into(),
            next_page: "▶".into(),
            create_title_prompt: "Enter the subject of your ticket (at most {max} characters):"
                .into(),
            create_text_prompt:
                "Subject: <b>{title}</b>\n\nDescribe the problem (at most {max} characters):".into(),
            create_confirm: "Please check your ticket:\n\nSubject: <b>{title}</b>\n\n{text}".into(),
            confirm: "Send".into(),
            created: "Ticket #{id} “{title}” created. A manager will answer here.".into(),
            too_long: "Too long: {actual} characters, at most {max} allowed. Please try again."
                .into(),
            empty: "The text must not be empty (at most {max} characters). Please try again."
                .into(),
            not_text: "Please send text.".into(),
            unsupported_message: "This kind of message cannot be sent to support. Please send \
                text, a photo, a video, a file, a voice message, a location or a contact."
                .into(),
            attachments_note: "📎 Attachments: {count}".into(),
            ticket_header: "<b>Ticket #{id} {title}</b>".into(),
            ticket_open_hint: "<i>To write to a manager, just send a message.</i>".into(),
            ticket_resolved_note: "<i>This ticket is closed and read-only.</i>".into(),
            no_messages: "No messages yet.".into(),
            sender_user: "You".into(),
            sender_manager: "Manager".into(),
            read_only: "This ticket is closed: you cannot write to it.".into(),
            reply_header: "<b>Support reply</b> on ticket #{id} {title}:".into(),
            open_ticket: "Open ticket".into(),
            unavailable: "The service is temporarily unavailable, please try again later".into(),
            not_found: "Ticket not found.".into(),
            rejected: "The server refused the request: {reason}".into(),
            close_ticket: "Close ticket".into(),
            reopen_ticket: "Reopen".into(),
            ticket_closed: "Ticket closed.".into(),
            ticket_reopened: "Ticket reopened.".into(),
            resolved_notice:
                "Your ticket #{id} “{title}” was resolved. If you still need help, reopen it."
                    .into(),
            reopened_notice: "Support reopened your ticket #{id} “{title}”.".into(),
            draft_expired: "This draft expired, start again.".into(),
            draft_changed: "The draft changed: check it and send again.".into(),
            already_sent: "Already sent: ticket #{id}.".into(),
            stale_button: "This button is no longer valid.".into(),
            reply_hint: "<i>Reply to this message, or just type, to answer in ticket #{id}.</i>"
                .into(),
            choose_ticket: "Support replied in several tickets. Which one is your message for?"
                .into(),
            choose_button: "#{id} {title}".into(),
        }
    }
}

/// Fills `{name}` placeholders. Values are inserted as given: escape user text first.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("#{id} {title} {id}", &[("id", "3"), ("title", "T")]),
            "#3 T 3"
        );
    }

    #[test]
    fn languages_differ_and_have_no_blank_texts() {
        let (ru, en) = (Texts::russian(), Texts::english());
        assert_ne!(ru, en);
        assert_eq!(
            ru.unavailable,
            "Сервис временно недоступен, попробуйте позже"
        );
        for t in [&ru, &en] {
            let all = format!("{t:?}");
            assert!(!all.contains("\"\""), "a blank text in {all}");
        }
    }
}
