//! The support server's integration tests, in one test binary (one link instead of one per
//! file): each module is one area, tested from outside against the real server on loopback.
//! Shared support (servers, Postgres schemas, Redis, websockets, Chromium) is the workspace's
//! test kit, `support-testkit`.
//!
//! | module | what |
//! |---|---|
//! | `attachments`, `attachments_refused` | uploads, messages with attachments both ways, downloads, the clean-up; bad files and refused attachments |
//! | `storage` | the storage conformance suite on memory, SQLite and Postgres; backend-specific tests |
//! | `rest_e2e`, `rest_golden` | the REST API end to end, and the Python original's recorded cases replayed |
//! | `golden_1_2` | the recordings of the original's current line (1.2.0), REST and websockets, replayed with the 1.2 line selected |
//! | `request_ids` | the `x-request-id` of every route |
//! | `auth_builtin` | built-in manager authentication |
//! | `auth_bounds` | logins under load: parallel guesses and floods (429) |
//! | `serve_limits` | `support_server::serve`: header-read and idle timeouts, the connection cap |
//! | `ws_manager`, `ws_bot`, `ws_bot_delivery`, `ws_auth`, `ws_bad_input`, `ws_slow`, `ws_too_big`, `ws_resume` | the websockets |
//! | `hub_broker` | two instances over the Postgres and Redis hubs |
//! | `hub_frozen` | a frozen Redis broker holds no request beyond the publish timeout |
//! | `console_browser` | the manager console in headless Chromium |
//! | `console_attachments` | attachments in the console: albums, paste and pick, limits, sending |
//! | `console_resume` | the console resuming after a dropped connection, without a reload |
//! | `console_people` | the people in the console: names, the contact panel, reply authors, unread tickets |
//! | `console_notes` | notes, canned replies and typing in the console, two managers on one ticket |
//! | `console_views` | the console's views, search, order, keyboard shortcuts and toasts clear of the composer |
//! | `health` | `/healthz` and `/readyz` |
//! | `original_bot`, `original_page` | the original's current clients, unmodified from PyPI: the 0.2.0 bot's REST client, the 1.2.0 manager page in Chromium |
//! | `contract` | the OpenAPI document and the events schema: committed, served, true to the golden recordings and to our answers |

mod attachments;
mod attachments_refused;
mod auth_bounds;
mod auth_builtin;
mod bad_input;
mod console_attachments;
mod console_browser;
mod console_notes;
mod console_people;
mod console_resume;
mod console_views;
mod contract;
mod golden_1_2;
mod health;
mod hub_broker;
mod hub_frozen;
mod original_bot;
mod original_page;
mod people;
mod request_ids;
mod rest_e2e;
mod rest_golden;
mod rest_links;
mod serve_limits;
mod storage;
mod team;
mod ticket_views;
mod typing;
mod ws_auth;
mod ws_bad_input;
mod ws_bot;
mod ws_bot_delivery;
mod ws_manager;
mod ws_resume;
mod ws_slow;
mod ws_too_big;
