//! The open / closed ticket lists \[B4\].

use support_protocol::Ticket;
use teloxide::types::InlineKeyboardMarkup;
use time::UtcOffset;

use super::{Screen, button, date, page_count, pager_row};
use crate::callback::Callback;
use crate::texts::Texts;

/// Tickets per list page.
pub const LIST_PAGE_SIZE: usize = 10;

/// One page of a ticket list (`tickets` newest first): a button `dd.mm.yyyy Title` per ticket,
/// a pager when there is more than one page, and back to the menu. A page past the end shows
/// the last page.
pub fn list_screen(
    texts: &Texts,
    tickets: &[Ticket],
    resolved: bool,
    page: usize,
    offset: UtcOffset,
) -> Screen {
    let pages = page_count(tickets.len(), LIST_PAGE_SIZE);
    let page = page.min(pages - 1);
    let mut rows: Vec<_> = tickets
        .iter()
        .skip(page * LIST_PAGE_SIZE)
        .take(LIST_PAGE_SIZE)
        .map(|t| {
            // Button labels are plain text (no parse mode), so the title is not escaped here.
            let label = format!("{} {}", date(t.created_at, offset), t.title);
            vec![button(&label, Callback::Ticket { id: t.id, page: 0 })]
        })
        .collect();
    if pages > 1 {
        let go = |p: usize| Callback::List { resolved, page: p };
        rows.push(pager_row(
            &texts.prev_page,
            &texts.next_page,
            page.checked_sub(1).map(go),
            (page + 1 < pages).then(|| go(page + 1)),
            page + 1,
            pages,
        ));
    }
    rows.push(vec![button(&texts.back, Callback::Menu)]);
    let heading = if resolved {
        &texts.closed_list_title
    } else {
        &texts.open_list_title
    };
    let text = if tickets.is_empty() {
        format!("{heading}\n\n{}", texts.list_empty)
    } else {
        heading.to_string()
    };
    Screen {
        text,
        keyboard: InlineKeyboardMarkup::new(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::fixtures::ticket;

    fn tickets(n: i64) -> Vec<Ticket> {
        (1..=n)
            .rev()
            .map(|i| ticket(i, &format!("T{i}"), false))
            .collect()
    }

    #[test]
    fn twenty_five_tickets_make_three_pages() {
        let texts = Texts::default();
        let all = tickets(25);
        let first = list_screen(&texts, &all, false, 0, UtcOffset::UTC);
        let labels = first.button_labels();
        assert_eq!(labels[0], "29.12.2024 T25");
        assert_eq!(&labels[10..], ["1/3", "▶", "« Назад"]);
        assert_eq!(first.callback_data()[0], "sup:t:25:0");
        assert_eq!(first.callback_data()[11], "sup:l:o:1");

        let middle = list_screen(&texts, &all, false, 1, UtcOffset::UTC);
        assert_eq!(&middle.button_labels()[10..], ["◀", "2/3", "▶", "« Назад"]);
        assert_eq!(
            &middle.callback_data()[10..],
            ["sup:l:o:0", "sup:_", "sup:l:o:2", "sup:m"]
        );

        let last = list_screen(&texts, &all, false, 2, UtcOffset::UTC);
        assert_eq!(
            last.button_labels(),
            [
                "29.12.2024 T5",
                "29.12.2024 T4",
                "29.12.2024 T3",
                "29.12.2024 T2",
                "29.12.2024 T1",
                "◀",
                "3/3",
                "« Назад"
            ]
        );

        // Past the end: the last page.
        assert_eq!(list_screen(&texts, &all, false, 9, UtcOffset::UTC), last);
    }

    #[test]
    fn short_and_empty_lists_have_no_pager() {
        let texts = Texts::english();
        let s = list_screen(&texts, &tickets(3), true, 0, UtcOffset::UTC);
        assert_eq!(s.button_labels().len(), 4);
        assert!(s.text.contains("Closed tickets"));
        let s = list_screen(&texts, &[], true, 0, UtcOffset::UTC);
        assert_eq!(s.button_labels(), ["« Back"]);
        assert!(s.text.contains("No tickets."));
    }
}
