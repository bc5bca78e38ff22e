//! # support-server
//!
//! The server half of chatlabs-support (work in progress): see the workspace README.
pub mod console;
pub use support_protocol as protocol;
