//! Embeds the migrations: each `migrations/{sqlite,postgres}/NNNN_description.sql` becomes an
//! entry of `$OUT_DIR/migrations_{dialect}.rs` (version NNNN, its description, its text through
//! `include_str!`), included by the dialect's backend. A schema change is a new file per
//! dialect, nothing to register by hand. (sqlx's `migrate!` does this too, but it is a proc
//! macro, and sqlx's proc macros compile every enabled database driver a second time.)

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for dialect in ["sqlite", "postgres"] {
        let dir = Path::new("migrations").join(dialect);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut found: Vec<(i64, String, String)> = Vec::new();
        for entry in fs::read_dir(&dir).expect("the migrations directory") {
            let path = entry.expect("a directory entry").path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(stem) = name.strip_suffix(".sql") else {
                continue;
            };
            let (version, description) = stem
                .split_once('_')
                .unwrap_or_else(|| panic!("{name}: expected NNNN_description.sql"));
            let version: i64 = version
                .parse()
                .unwrap_or_else(|_| panic!("{name}: the version is not a number"));
            let absolute = fs::canonicalize(&path).expect("a readable migration");
            found.push((
                version,
                description.replace('_', " "),
                absolute.display().to_string(),
            ));
        }
        found.sort();
        for pair in found.windows(2) {
            assert!(
                pair[0].0 != pair[1].0,
                "{dialect}: two migrations with version {}",
                pair[0].0
            );
        }
        let mut code = String::from("&[\n");
        for (version, description, path) in &found {
            writeln!(
                code,
                "    Migration::new({version}, {description:?}, include_str!({path:?})),"
            )
            .unwrap();
        }
        code.push_str("]\n");
        fs::write(
            Path::new(&out).join(format!("migrations_{dialect}.rs")),
            code,
        )
        .expect("write the migration list");
    }
}
