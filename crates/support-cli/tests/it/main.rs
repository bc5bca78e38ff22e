//! Starts the `chatlabs-support-server` binary as a subprocess, as a new user would: waits for
//! readiness, logs in as a manager, creates a ticket over REST, receives its event on the manager
//! websocket, then sends SIGTERM and sees a clean exit with the websocket closed with 1001; a
//! second start on the same SQLite file finds the ticket. Also: the README's quick-start command
//! run as a newcomer would (its printed credentials log into the console), `--help` and
//! `--version`, a bad `--hub`, two instances sharing Postgres and a broker hub, and the
//! operational endpoints (`ops.rs`: health and metrics on their own address), and the
//! connection limits (`limits.rs`); SIGKILL under 32 writing clients loses and duplicates no
//! acknowledged write (`crash.rs`); the instances recover from a broker restart (`broker.rs`);
//! attachments are kept in `--blob-dir` across a restart and bounded by `--max-file-mib`
//! (`files.rs`); and a benchmark, ignored by default: a 1,000-message ticket with 300
//! pictures opened in the console in Chromium (`console_paint.rs`).
#![cfg(unix)]
// A build without some backend leaves some helpers unused.
#![cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]

mod broker;
mod console_paint;
mod crash;
mod files;
mod limits;
mod ops;
mod process;
mod program;
