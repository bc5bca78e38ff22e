//! The main menu \[B3\].

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{Screen, button};
use crate::callback::Callback;
use crate::texts::Texts;

/// The main menu: open tickets, closed tickets, create, back. Back sends the host's callback data
/// when given (the host's own handler takes it), else closes the menu.
pub fn menu_screen(texts: &Texts, back_callback: Option<&str>) -> Screen {
    let back = match back_callback {
        Some(data) => InlineKeyboardButton::callback(texts.back.to_string(), data.to_owned()),
        None => button(&texts.back, Callback::Close),
    };
    Screen {
        text: texts.menu_title.to_string(),
        keyboard: InlineKeyboardMarkup::new(vec![
            vec![button(
                &texts.menu_open,
                Callback::List {
                    resolved: false,
                    page: 0,
                },
            )],
            vec![button(
                &texts.menu_closed,
                Callback::List {
                    resolved: true,
                    page: 0,
                },
            )],
            vec![button(&texts.menu_create, Callback::Create)],
            vec![back],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_has_four_buttons_and_back_goes_to_the_host_when_asked() {
        let texts = Texts::default();
        let s = menu_screen(&texts, None);
        assert_eq!(
            s.callback_data(),
            vec!["sup:l:o:0", "sup:l:c:0", "sup:n", "sup:x"]
        );
        assert_eq!(s.button_labels()[0], "Открытые обращения");
        let s = menu_screen(&texts, Some("host:main"));
        assert_eq!(
            s.callback_data().last().map(String::as_str),
            Some("host:main")
        );
    }
}
