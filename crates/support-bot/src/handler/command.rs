//! The `/support` command \[B2\], and how a private message is classified: the command, a host
//! command, or possible input.

use teloxide::prelude::*;

use super::SUPPORT_COMMAND;
use super::dialogue::set_state;
use super::ui::Ui;
use crate::state::{SupportState, SupportStorage};

/// What a private message is to support, decided from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Typed {
    /// `/support` (also `/support@botname`, and with words after it): opens the menu, in any
    /// state.
    SupportCommand,
    /// Any other command: the host's.
    HostCommand,
    /// Anything else, text or not: input, if the state expects some.
    Other,
}

impl Typed {
    pub(super) fn of(message: &Message) -> Self {
        match message.text() {
            Some(text) if is_support_command(text) => Self::SupportCommand,
            Some(text) if text.starts_with('/') => Self::HostCommand,
            _ => Self::Other,
        }
    }
}

fn is_support_command(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    first == SUPPORT_COMMAND
        || first
            .strip_prefix(SUPPORT_COMMAND)
            .is_some_and(|rest| rest.starts_with('@'))
}

/// `/support`: the state back to idle, and the main menu \[B3\] as a new message.
pub(super) async fn open_menu(ui: Ui, storage: SupportStorage, m: Message) {
    set_state(&storage, m.chat.id, SupportState::Idle).await;
    // Telegram failures are logged by `with_retry`; there is nobody else to tell.
    let _ = ui.send(m.chat.id, &ui.menu()).await;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message(content: serde_json::Value) -> Message {
        let mut m = json!({"message_id": 1, "date": 1_700_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "U"},
            "from": {"id": 7, "is_bot": false, "first_name": "U"}});
        if let (Some(m), serde_json::Value::Object(content)) = (m.as_object_mut(), content) {
            m.extend(content);
        }
        serde_json::from_value(m).unwrap()
    }

    #[test]
    fn messages_are_the_command_a_host_command_or_possible_input() {
        let typed = |text: &str| Typed::of(&message(json!({ "text": text })));
        assert_eq!(typed("/support"), Typed::SupportCommand);
        assert_eq!(typed("/support@my_bot"), Typed::SupportCommand);
        assert_eq!(typed("/start"), Typed::HostCommand);
        assert_eq!(typed("/supports"), Typed::HostCommand);
        assert_eq!(typed("hello /support"), Typed::Other);
        let location = json!({"location": {"latitude": 1.0, "longitude": 2.0}});
        assert_eq!(Typed::of(&message(location)), Typed::Other);
    }

    #[test]
    fn support_command_forms() {
        assert!(is_support_command("/support"));
        assert!(is_support_command("/support@my_bot"));
        assert!(is_support_command("/support please"));
        assert!(!is_support_command("/supports"));
        assert!(!is_support_command("support"));
        assert!(!is_support_command("/start"));
    }
}
