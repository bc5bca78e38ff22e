//! The committed documents are the ones the code generates: a change of a wire type, a route
//! or a status that is not committed fails here. `UPDATE_CONTRACT=1` rewrites them:
//!
//! ```text
//! UPDATE_CONTRACT=1 cargo test -p support-server --test it contract::drift
//! ```

use support_server::contract::to_pretty_json;

use super::{Documents, EVENTS_FILE, OPENAPI_FILE, repo_root};

/// The first lines where `committed` and `generated` differ, with a little context.
fn first_difference(committed: &str, generated: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (committed.lines().collect(), generated.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(from)
            .take(at - from + 4)
            .map(|(n, l)| format!("  {:>5} | {l}", n + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at line {}:\n committed:\n{}\n generated:\n{}",
        at + 1,
        show(&a),
        show(&b)
    )
}

fn compare(file: &str, generated: &str) -> Option<String> {
    let path = repo_root().join(file);
    if std::env::var_os("UPDATE_CONTRACT").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return None;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    (committed != generated).then(|| {
        format!(
            "{file} is not what the code generates; {}",
            first_difference(&committed, generated)
        )
    })
}

#[test]
fn the_committed_documents_are_generated_from_the_code() {
    let documents = Documents::generated();
    let failures: Vec<String> = [
        compare(OPENAPI_FILE, &to_pretty_json(&documents.openapi)),
        compare(EVENTS_FILE, &to_pretty_json(&documents.events)),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{}\n\nThe contract changed. If that is intended, rewrite the committed documents and \
         commit them with the change:\n  UPDATE_CONTRACT=1 cargo test -p support-server --test \
         it contract::drift",
        failures.join("\n\n")
    );
}

#[test]
fn first_difference_names_the_line() {
    let message = first_difference("a\nb\nc\n", "a\nB\nc\n");
    assert!(message.contains("line 2"), "{message}");
    assert!(
        message.contains("|     b") || message.contains("| b"),
        "{message}"
    );
}
