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
}
