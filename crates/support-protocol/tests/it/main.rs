//! The protocol crate's integration tests, in one test binary.
//!
//! | module | what |
//! |---|---|
//! | `golden` | every document of the Python original's recordings parsed, re-serialized and compared |
//! | `proptests` | every wire type round-trips; unknown event types and extra fields are kept |

mod golden;
mod proptests;
