//! The golden recordings of the Python original, as the tests that replay or validate them read
//! them: `tests/golden/` (0.1.5, `chatlabs-support`) and `tests/golden/v1.2/` (1.2.0,
//! `chatlabs-django-support`), each file one case (see the README beside them).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The 0.1.5 recordings' directory.
pub const LINE_0_1_5: &str = "";
/// The 1.2.0 recordings' directory, under the 0.1.5 one.
pub const LINE_1_2: &str = "v1.2";

/// `tests/golden/{line}` in this repository.
pub fn dir(line: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/golden")
        .join(line)
}

/// Every case of a line in file-name order (the order they were recorded in): the file's name
/// without `.json`, and its document.
pub fn recordings(line: &str) -> Vec<(String, Value)> {
    let dir = dir(line);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let case =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, case)
        })
        .collect()
}
