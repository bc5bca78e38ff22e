//! Creating a ticket: title → text → confirmation \[B5\].

use support_protocol::{TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use teloxide::types::InlineKeyboardMarkup;

use super::{Screen, button};
use crate::callback::Callback;
use crate::escape::escape_html;
use crate::state::DraftId;
use crate::texts::{Texts, fill};

/// Step 1: asks for the title; back returns to the menu.
pub fn title_prompt_screen(texts: &Texts) -> Screen {
    Screen {
        text: fill(
            &texts.create_title_prompt,
            &[("max", &TITLE_MAX_CHARS.to_string())],
        ),
        keyboard: InlineKeyboardMarkup::new(vec![vec![button(&texts.back, Callback::Menu)]]),
    }
}

/// Step 2: shows the title and asks for the text; back returns to step 1.
pub fn text_prompt_screen(texts: &Texts, title: &str) -> Screen {
    Screen {
        text: fill(
            &texts.create_text_prompt,
            &[
                ("title", &escape_html(title)),
                ("max", &TEXT_MAX_CHARS.to_string()),
            ],
        ),
        keyboard: InlineKeyboardMarkup::new(vec![vec![button(&texts.back, Callback::Create)]]),
    }
}

/// Step 3: shows both, with confirm and back (to step 2). The confirm button carries `draft`
/// (the number in [`SupportState::CreateConfirm`](crate::SupportState::CreateConfirm)), so a
/// press of an older confirmation is told apart from this one, and a second press from the
/// first.
pub fn confirm_screen(texts: &Texts, title: &str, text: &str, draft: DraftId) -> Screen {
    Screen {
        text: fill(
            &texts.create_confirm,
            &[("title", &escape_html(title)), ("text", &escape_html(text))],
        ),
        keyboard: InlineKeyboardMarkup::new(vec![
            vec![button(
                &texts.confirm,
                Callback::Confirm { draft: Some(draft) },
            )],
            vec![button(&texts.back, Callback::CreateText)],
        ]),
    }
}

/// The text of a draft or message as shown: the text, and a line counting its attachments
/// (plain text, escaped where it is shown).
pub(crate) fn draft_text(texts: &Texts, text: &str, attachments: usize) -> String {
    if attachments == 0 {
        return text.to_owned();
    }
    let note = fill(
        &texts.attachments_note,
        &[("count", &attachments.to_string())],
    );
    if text.is_empty() {
        note
    } else {
        format!("{text}\n{note}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_back_and_escapes() {
        let texts = Texts::default();
        let s = title_prompt_screen(&texts);
        assert!(s.text.contains("256"));
        assert_eq!(s.callback_data(), ["sup:m"]);
        let s = text_prompt_screen(&texts, "a<b>");
        assert!(s.text.contains("a&lt;b&gt;") && s.text.contains("4096"));
        assert_eq!(s.callback_data(), ["sup:n"]);
        let s = confirm_screen(&texts, "T & U", "<i>x</i>", 42);
        assert!(s.text.contains("T &amp; U") && s.text.contains("&lt;i&gt;x&lt;/i&gt;"));
        assert_eq!(s.callback_data(), ["sup:ny:42", "sup:nt"]);
    }

    #[test]
    fn attachments_are_counted_under_the_text() {
        let texts = Texts::english();
        assert_eq!(draft_text(&texts, "hi", 0), "hi");
        assert_eq!(draft_text(&texts, "", 2), "📎 Attachments: 2");
        assert_eq!(draft_text(&texts, "hi", 1), "hi\n📎 Attachments: 1");
    }
}
