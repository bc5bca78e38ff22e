//! HTML escaping for Telegram's `ParseMode::Html` \[B7\].

/// Escapes `&`, `<` and `>` (and `"`, for attribute values), the characters Telegram's HTML parse
/// mode gives a meaning to. Every text written by a user or a manager goes through this before it
/// is sent.
///
/// ```
/// assert_eq!(support_bot::escape_html("<b>5 & 6</b>"), "&lt;b&gt;5 &amp; 6&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            escape_html("a<b>c</b>&amp;\"q\""),
            "a&lt;b&gt;c&lt;/b&gt;&amp;amp;&quot;q&quot;"
        );
        assert_eq!(escape_html("Привет, мир 👋"), "Привет, мир 👋");
        assert_eq!(escape_html(""), "");
    }

    /// The inverse of [`escape_html`], for the property below: the four entities it writes.
    fn unescape(html: &str) -> String {
        html.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Escaped text reads back as the original, and holds no raw `<`, `>` or `"`, and no
        /// `&` that does not start one of the entities it writes (so Telegram's HTML parser sees
        /// text only, whatever the user typed: `&amp;` typed stays `&amp;` on screen).
        #[test]
        fn escaped_text_is_inert_and_reversible(text in crate::fuzz::nasty_text(64)) {
            let escaped = escape_html(&text);
            proptest::prop_assert_eq!(&unescape(&escaped), &text);
            proptest::prop_assert!(!escaped.contains(['<', '>', '"']), "{:?}", escaped);
            for (i, _) in escaped.match_indices('&') {
                let tail = &escaped[i..];
                proptest::prop_assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;"].iter().any(|e| tail.starts_with(e)),
                    "{:?}", escaped
                );
            }
            // Everything else is kept as is, character for character.
            proptest::prop_assert_eq!(
                escaped.chars().filter(|c| !"&;ampltgquo".contains(*c)).collect::<String>(),
                text.chars().filter(|c| !"&;ampltgquo<>\"".contains(*c)).collect::<String>()
            );
        }
    }
}
