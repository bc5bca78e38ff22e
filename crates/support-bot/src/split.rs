//! Splitting long HTML texts into Telegram-sized messages \[B7\].
//!
//! Telegram refuses messages longer than 4096 characters. [`split_html`] cuts an HTML text (as
//! sent with `ParseMode::Html`) into pieces that each fit, preferring line breaks, then spaces,
//! and never cutting inside an entity (`&amp;`) or a tag. A tag open at a cut (a `<b>` header) is
//! closed at the end of the piece and opened again at the start of the next, so every piece is
//! valid HTML on its own.

/// Telegram's limit on the length of one message.
pub const TELEGRAM_MESSAGE_LIMIT: usize = 4096;

/// One indivisible piece of the input.
#[derive(Debug, Clone, Copy)]
enum Atom<'a> {
    Text(&'a str),
    Open(&'a str, &'a str),
    Close(&'a str),
}

impl Atom<'_> {
    fn raw(&self) -> &str {
        match self {
            Atom::Text(s) | Atom::Open(s, _) | Atom::Close(s) => s,
        }
    }
}

/// Lengths are counted in UTF-16 code units of the raw HTML, which is never less than what
/// Telegram counts (it counts the text after parsing the markup).
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn tag_name(inner: &str) -> &str {
    let inner = inner.trim_start_matches('/');
    let end = inner
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(inner.len());
    &inner[..end]
}

fn atoms(html: &str) -> Vec<Atom<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            '<' => rest.find('>').map(|i| i + 1),
            '&' => rest
                .find(';')
                .filter(|&i| {
                    i <= 10
                        && rest[1..i]
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '#')
                })
                .map(|i| i + 1),
            _ => None,
        }
        .unwrap_or(c.len_utf8());
        let (piece, tail) = rest.split_at(len);
        let tag = piece.len() > 2 && piece.ends_with('>');
        out.push(if tag && piece.starts_with("</") {
            Atom::Close(piece)
        } else if tag && piece.starts_with('<') {
            Atom::Open(piece, tag_name(&piece[1..]))
        } else {
            Atom::Text(piece)
        });
        rest = tail;
    }
    out
}

#[derive(Debug, Clone)]
struct Open<'a> {
    raw: &'a str,
    name: &'a str,
}

fn apply<'a>(stack: &mut Vec<Open<'a>>, atom: Atom<'a>) {
    match atom {
        Atom::Open(raw, name) => stack.push(Open { raw, name }),
        Atom::Close(raw) => {
            let name = tag_name(&raw[1..]);
            if let Some(pos) = stack.iter().rposition(|o| o.name == name) {
                stack.truncate(pos);
            }
        }
        Atom::Text(_) => {}
    }
}

/// Appends `atom` to `piece`, tracking the open tags; a closing tag with nothing open to close
/// (its opening tag was shed) is dropped, so every piece stays balanced.
fn emit<'a>(piece: &mut String, open: &mut Vec<Open<'a>>, atom: Atom<'a>) {
    if let Atom::Close(raw) = atom
        && !open.iter().any(|o| o.name == tag_name(&raw[1..]))
    {
        return;
    }
    piece.push_str(atom.raw());
    apply(open, atom);
}

fn closing(stack: &[Open<'_>]) -> String {
    stack
        .iter()
        .rev()
        .map(|o| format!("</{}>", o.name))
        .collect()
}

fn opening(stack: &[Open<'_>]) -> String {
    stack.iter().map(|o| o.raw).collect()
}

/// Splits `html` into pieces of at most `limit` UTF-16 units each (use
/// [`TELEGRAM_MESSAGE_LIMIT`]). Pieces holding only whitespace are dropped; an empty input gives
/// no pieces.
///
/// ```
/// use support_bot::split_html;
/// let text = "word ".repeat(2000); // 10,000 characters
/// let parts = split_html(&text, 4096);
/// assert_eq!(parts.len(), 3);
/// assert!(parts.iter().all(|p| p.chars().count() <= 4096));
/// assert_eq!(parts.concat(), text);
/// ```
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    // Below this the tags to reopen and close may not fit; such a limit is a programming error,
    // but must not loop forever: every piece takes at least one atom.
    let limit = limit.max(16);
    let atoms = atoms(html);
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prefix_stack: Vec<Open<'_>> = Vec::new();
    while start < atoms.len() {
        let prefix = opening(&prefix_stack);
        let mut stack = prefix_stack.clone();
        let mut len = units(&prefix);
        let mut end = start;
        // Candidate cuts: (atom index after the cut, stack there, length there).
        let mut after_newline: Option<(usize, Vec<Open<'_>>, usize)> = None;
        let mut after_space: Option<(usize, Vec<Open<'_>>, usize)> = None;
        while end < atoms.len() {
            let atom = atoms[end];
            let mut next = stack.clone();
            apply(&mut next, atom);
            let atom_len = units(atom.raw());
            if len + atom_len + units(&closing(&next)) > limit && end > start {
                break;
            }
            len += atom_len;
            stack = next;
            end += 1;
            match atom {
                Atom::Text("\n") => after_newline = Some((end, stack.clone(), len)),
                Atom::Text(" ") => after_space = Some((end, stack.clone(), len)),
                _ => {}
            }
        }
        // A piece must take one atom to make progress; when the tags reopened around it leave
        // no room for even that one (two nested 28-unit links in 64 units), the innermost
        // reopened tag is shed: the text loses that formatting here rather than the piece
        // exceeding the limit. Its closing tag later is dropped with it (`emit`).
        if end == start + 1 && len + units(&closing(&stack)) > limit && !prefix_stack.is_empty() {
            prefix_stack.pop();
            continue;
        }
        let (cut, cut_stack) = if end == atoms.len() {
            (end, stack)
        } else {
            // Prefer a line break, then a space, as long as it keeps the piece at least half full;
            // otherwise cut where the limit is.
            let half = limit / 2;
            match (after_newline, after_space) {
                (Some((i, s, l)), _) if l >= half => (i, s),
                (_, Some((i, s, l))) if l >= half => (i, s),
                (Some((i, s, _)), _) => (i, s),
                (_, Some((i, s, _))) => (i, s),
                _ => (end, stack),
            }
        };
        let mut piece = prefix;
        let mut open = prefix_stack.clone();
        for atom in &atoms[start..cut] {
            emit(&mut piece, &mut open, *atom);
        }
        piece.push_str(&closing(&cut_stack));
        if !visible_is_blank(&piece) {
            pieces.push(piece);
        }
        start = cut;
        prefix_stack = cut_stack;
    }
    pieces
}

/// Whether the text outside tags is only whitespace (Telegram refuses such messages).
fn visible_is_blank(html: &str) -> bool {
    atoms(html).iter().all(|a| match a {
        Atom::Text(t) => t.trim().is_empty(),
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_html("hello", 4096), vec!["hello"]);
        assert!(split_html("", 4096).is_empty());
        assert!(split_html("  \n ", 4096).is_empty());
    }

    #[test]
    fn prefers_line_breaks_then_spaces() {
        let text = format!("{}\n{}", "a ".repeat(30), "b".repeat(30));
        let parts = split_html(&text, 64);
        assert_eq!(parts[0], format!("{}\n", "a ".repeat(30)));
        assert_eq!(parts.concat(), text);
        let words = "abcdefghi ".repeat(20);
        for p in split_html(&words, 50) {
            assert!(p.ends_with(' '), "{p:?}");
            assert!(units(&p) <= 50);
        }
    }

    #[test]
    fn hard_cut_without_spaces() {
        let text = "x".repeat(10_000);
        let parts = split_html(&text, 4096);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![4096, 4096, 1808]
        );
    }

    #[test]
    fn never_breaks_an_entity() {
        let text = "&lt;".repeat(3000);
        for p in split_html(&text, 4096) {
            assert!(units(&p) <= 4096);
            assert_eq!(p.len() % 4, 0);
            assert!(p.starts_with("&lt;") && p.ends_with("&lt;"));
        }
    }

    #[test]
    fn tags_are_closed_and_reopened() {
        let text = format!("<b>{}</b> tail", "bold ".repeat(30));
        let parts = split_html(&text, 60);
        assert!(parts.len() > 2);
        for p in &parts {
            assert!(units(p) <= 60, "{p}");
            assert_eq!(p.matches("<b>").count(), p.matches("</b>").count(), "{p}");
        }
        let visible: String = parts.concat().replace("<b>", "").replace("</b>", "");
        assert_eq!(visible, text.replace("<b>", "").replace("</b>", ""));
    }

    #[test]
    fn tags_too_long_to_reopen_are_shed_rather_than_the_limit_passed() {
        // Found by the fuzz harness: two nested links leave no room in 64 units for their text.
        let link = "<a href=\"tg://user?id=1001\">";
        let html = format!("{link}{link}\u{10000}</a></a>");
        let pieces = split_html(&html, 64);
        assert!(pieces.iter().all(|p| units(p) <= 64), "{pieces:?}");
        assert_eq!(pieces, [format!("{link}\u{10000}</a>")]);
    }

    #[test]
    fn utf16_units_are_counted() {
        // Each emoji is 2 UTF-16 units.
        let text = "😀".repeat(3000);
        let parts = split_html(&text, 4096);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].chars().count(), 2048);
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::*;
        use crate::escape::escape_html;
        use crate::fuzz::nasty_text;

        /// The tags the bot's screens use, by raw opening tag and name.
        const TAGS: &[(&str, &str)] = &[
            ("<b>", "b"),
            ("<i>", "i"),
            ("<u>", "u"),
            ("<code>", "code"),
            ("<pre>", "pre"),
            ("<blockquote>", "blockquote"),
            ("<a href=\"tg://user?id=1001\">", "a"),
        ];

        /// A text as the bot builds one: escaped user text, long runs that force cuts (words,
        /// one long word, astral characters, entities, line breaks), inside nested tags.
        fn html() -> impl Strategy<Value = String> {
            let run = (
                prop::sample::select(
                    &["word ", "x", "😀", "&amp;", "\n", "e\u{301} ", "ab\n\n"][..],
                ),
                0usize..300,
            )
                .prop_map(|(piece, n)| piece.repeat(n));
            let leaf = prop_oneof![
                3 => nasty_text(24).prop_map(|t| escape_html(&t)),
                1 => run,
            ];
            leaf.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..6).prop_map(|v| v.concat()),
                    (
                        prop::sample::select(TAGS),
                        prop::collection::vec(inner, 0..4)
                    )
                        .prop_map(|((open, name), body)| format!(
                            "{open}{}</{name}>",
                            body.concat()
                        )),
                ]
            })
        }

        /// The text outside tags (the input's `<` always starts a tag: its text is escaped).
        fn visible(html: &str) -> String {
            let mut out = String::new();
            let mut in_tag = false;
            for c in html.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' if in_tag => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out
        }

        /// Whether `got` is `original` with at most some whitespace left out (a piece holding
        /// only whitespace is dropped, as Telegram refuses it).
        fn loses_only_whitespace(original: &str, got: &str) -> bool {
            let mut got = got.chars().peekable();
            for c in original.chars() {
                if got.peek() == Some(&c) {
                    got.next();
                } else if !c.is_whitespace() {
                    return false;
                }
            }
            got.next().is_none()
        }

        /// Every tag of `piece` is whole and closed in it, in order; every `&` starts one of
        /// the escaper's entities.
        fn check_piece(piece: &str) -> Result<(), TestCaseError> {
            let mut stack: Vec<&str> = Vec::new();
            let mut rest = piece;
            while let Some(i) = rest.find(['<', '&']) {
                rest = &rest[i..];
                if rest.starts_with('&') {
                    prop_assert!(
                        ["&amp;", "&lt;", "&gt;", "&quot;"]
                            .iter()
                            .any(|e| rest.starts_with(e)),
                        "an entity cut in {:?}",
                        piece
                    );
                    rest = &rest[1..];
                    continue;
                }
                let Some(end) = rest.find('>') else {
                    return Err(TestCaseError::fail(format!("a tag cut in {piece:?}")));
                };
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    prop_assert_eq!(stack.pop(), Some(name), "{:?}", piece);
                } else {
                    stack.push(tag_name(tag));
                }
                rest = &rest[end + 1..];
            }
            prop_assert!(stack.is_empty(), "unclosed {:?} in {:?}", stack, piece);
            Ok(())
        }

        proptest! {
            #![proptest_config(crate::fuzz::config())]

            /// The bot's texts: each piece fits (counted in UTF-16 units of the raw HTML, never
            /// less than what Telegram counts after parsing the markup), is valid HTML on its
            /// own (no tag or entity cut, every tag closed), is not blank, and together the
            /// pieces show the whole text (less whitespace-only pieces). A character is never
            /// cut (a `str` cannot split a surrogate pair); graphemes may be, at a hard cut
            /// inside a word longer than the limit: the splitter does not promise them.
            #[test]
            fn bot_texts(html in html(), limit in prop_oneof![3 => 64usize..400, 1 => Just(TELEGRAM_MESSAGE_LIMIT)]) {
                let pieces = split_html(&html, limit);
                for piece in &pieces {
                    prop_assert!(units(piece) <= limit, "{} > {}: {:?}", units(piece), limit, piece);
                    prop_assert!(!visible_is_blank(piece), "{:?}", piece);
                    check_piece(piece)?;
                }
                let shown: String = pieces.iter().map(|p| visible(p)).collect();
                prop_assert!(loses_only_whitespace(&visible(&html), &shown), "{:?} -> {:?}", html, pieces);
                if !html.contains(char::is_whitespace) {
                    prop_assert_eq!(shown, visible(&html));
                }
            }

            /// Anything else (a host's raw HTML, stray `<` and `&`, tiny limits): no panic, and
            /// without tags every piece fits and the text is kept.
            #[test]
            fn arbitrary_text(text in nasty_text(200), limit in 0usize..200) {
                let pieces = split_html(&text, limit);
                if !text.contains('<') {
                    for piece in &pieces {
                        prop_assert!(units(piece) <= limit.max(16), "{:?}", piece);
                    }
                    prop_assert!(loses_only_whitespace(&text, &pieces.concat()), "{:?} -> {:?}", text, pieces);
                }
            }
        }
    }
}
