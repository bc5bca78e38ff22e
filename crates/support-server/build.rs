//! Rebuilds the crate when a migration file is added: `sqlx::migrate!` embeds the files of
//! `migrations/` at compile time, and the compiler only watches the files it already read.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
