//! The bot part's integration tests, in one test binary: the real support server on loopback
//! and a fake Telegram Bot API over HTTP (both from the workspace's test kit), with updates
//! dispatched through the handler as a host's dispatcher would.
//!
//! | module | what |
//! |---|---|
//! | `client` | the REST client against our server and a stand-in of the Python original |
//! | `handler` | the support handler end to end |
//! | `push` | manager replies pushed to the user's chat, delivery owned by the server |
//! | `answers` | answers go to the ticket the user meant: replies to pushes, the current ticket, a choice |
//! | `state` | dialogue state across restarts, stale buttons, double taps |
//! | `lifecycle` | the user closes and reopens a ticket |
//! | `process` | the example bot as a process: `kill -9` mid-stream, a fresh start |
//! | `bad_input` | polls, dice, media where only text goes, over-long texts, forged and stale buttons: told, nothing changed |
//! | `media` | photos, albums, voice notes, locations, contacts, documents from users: attachments, copied to the server |
//! | `media_create` | a ticket started with a file, a draft whose copy is gone, a large copy measured |
//! | `harness` | what the handler tests share |

mod adaptors;
mod answers;
mod bad_input;
mod client;
mod console_to_telegram;
mod handler;
mod harness;
mod languages;
mod lifecycle;
mod media;
mod media_create;
mod process;
mod profiles;
mod push;
mod push_files;
mod push_typing;
mod state;
