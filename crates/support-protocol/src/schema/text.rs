//! Doc comments become the schemas' `title` and `description`: rustdoc markup that means
//! nothing outside rustdoc is taken out.

use serde_json::Value;

/// Cleans every `title` and `description` in `document`, recursively: fenced code blocks (the
/// doc tests) are dropped, intra-doc links ``[`Type`](path)`` become `` `Type` ``, and the
/// escaped brackets of requirement ids (`\[C4\]`) become plain ones.
pub fn clean_descriptions(document: &mut Value) {
    match document {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" || key == "title" => {
                        *text = clean(text);
                    }
                    other => clean_descriptions(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_descriptions),
        _ => {}
    }
}

fn clean(text: &str) -> String {
    let mut kept = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            kept.push(line);
        }
    }
    let text = kept.join("\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // ``[`X`]`` and ``[`X`](target)``: rustdoc links, kept as `` `X` ``.
    while let Some(open) = rest.find("[`") {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = after.find("`]") else {
            out.push_str(after);
            rest = "";
            break;
        };
        out.push_str(&after[1..close + 1]);
        rest = &after[close + 2..];
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    let out = out.replace("\\[", "[").replace("\\]", "]");
    // Blank lines left where code blocks were: at most one in a row.
    let mut result = String::with_capacity(out.len());
    for paragraph in out.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if !result.is_empty() {
            result.push_str("\n\n");
        }
        result.push_str(&unwrap_lines(paragraph));
    }
    result
}

/// Joins the wrapped lines of a paragraph with spaces; list items and table rows keep their
/// own lines.
fn unwrap_lines(paragraph: &str) -> String {
    let mut out = String::with_capacity(paragraph.len());
    for (i, line) in paragraph.lines().map(str::trim).enumerate() {
        if i > 0 {
            let own_line =
                line.starts_with("- ") || line.starts_with('|') || line.starts_with("* ");
            out.push(if own_line { '\n' } else { ' ' });
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_markup_is_taken_out() {
        let mut doc = serde_json::json!({
            "description": "A [`Delivery`](crate::Delivery) of\n[`Message`] \\[C3\\].\n\n```\nlet x = 1;\n```\n\nMore [C4].",
            "properties": {"a": {"title": "The [`Ticket`]."}},
        });
        clean_descriptions(&mut doc);
        assert_eq!(
            doc["description"],
            "A `Delivery` of `Message` [C3].\n\nMore [C4]."
        );
        assert_eq!(doc["properties"]["a"]["title"], "The `Ticket`.");
    }
}
