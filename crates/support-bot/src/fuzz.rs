//! What the bot's fuzz harnesses share (issue 15): their proptest configuration and a text
//! generator that reaches the corners. The harnesses live beside what they test:
//! `split.rs` (the splitter), `escape.rs` (the escaper), `callback.rs` (the callback data).

use proptest::prelude::*;
use proptest::test_runner::Config;

/// The proptest configuration of every harness in this crate.
///
/// Cases per property: `SUPPORT_FUZZ_CASES` if set, else 10,000 under CI (`CI` set, as
/// `.ci/run` does) and 1,000 locally, so a developer's `cargo test` stays quick while CI runs
/// the 10,000.
///
/// No failure persistence (no `proptest-regressions/` files): a failure prints its minimal
/// input, which becomes a plain unit test beside the fix; CI writes nothing into the tree.
pub(crate) fn config() -> Config {
    let cases = std::env::var("SUPPORT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            10_000
        } else {
            1_000
        });
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text as users and managers type it, and worse: astral characters (two UTF-16 units),
/// combining marks, ZWJ sequences and flags, HTML and entity-like text, control characters,
/// Python-only whitespace.
pub(crate) fn nasty_text(max_pieces: usize) -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "a",
        "word",
        "Привет",
        "0",
        " ",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\u{a0}",
        "\u{1f}",
        "\u{0}",
        "\u{200b}",
        "\u{feff}",
        "e\u{301}",
        "\u{301}",
        "😀",
        "👩\u{200d}👩\u{200d}👧",
        "🇺🇦",
        "𝔸",
        "&",
        "&amp;",
        "&lt;",
        "&#60;",
        "&#x3c;",
        "&nbsp",
        "<",
        ">",
        "<b>",
        "</b>",
        "\"",
        "'",
        ";",
        ":",
        "sup:",
        "-",
    ];
    prop_oneof![
        1 => proptest::collection::vec(any::<char>(), 0..max_pieces)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        3 => proptest::collection::vec(proptest::sample::select(PIECES), 0..max_pieces)
            .prop_map(|pieces| pieces.concat()),
    ]
}
