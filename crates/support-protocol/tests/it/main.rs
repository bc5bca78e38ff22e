//! The protocol crate's integration tests, in one test binary.
//!
//! | module | what |
//! |---|---|
//! | `golden` | every document of the Python original's recordings parsed, re-serialized and compared |
//! | `proptests` | every wire type round-trips; unknown event types and extra fields are kept |
//! | `fuzz` | the event decoders and the timestamp parser on mutated and arbitrary input: no panic, typed errors, round trips |
//! | `regressions` | what the fuzz harnesses found, as plain tests |

mod fuzz;
mod golden;
mod proptests;
mod regressions;

/// The proptest configuration of every property in this binary.
///
/// Cases per property: `SUPPORT_FUZZ_CASES` if set, else 10,000 under CI (`CI` set, as
/// `.ci/run` does) and 1,000 locally, so a developer's `cargo test` stays quick while CI runs
/// the 10,000.
///
/// No failure persistence (no `proptest-regressions/` files): a failure prints its minimal
/// input, which becomes a plain unit test beside the fix, readable and kept whatever the
/// generators become; CI writes nothing into the source tree.
pub(crate) fn fuzz_config() -> proptest::test_runner::Config {
    let cases = std::env::var("SUPPORT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            10_000
        } else {
            1_000
        });
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
