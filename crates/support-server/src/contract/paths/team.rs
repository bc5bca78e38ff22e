//! The team's routes (extension, managers only): a ticket's private notes and the canned
//! replies (after `api/team.rs`).

use support_protocol::{CannedPatch, CannedReply, NewNote, Note};

use super::Common;
use crate::config::SupportConfig;
use crate::contract::openapi::{Access, Operation, Paths, Schemas};

pub(super) fn routes(
    config: &SupportConfig,
    schemas: &mut Schemas,
    paths: &mut Paths,
    common: &Common,
) {
    let notes = format!("{}/tickets/{{id}}/notes/", config.mount);
    let canned = format!("{}/canned/", config.mount);
    let one = format!("{}/canned/{{id}}/", config.mount);
    let forbidden = "Not a manager (the bot may not read or write the team's notes and replies).";

    let op = Operation::new("team", "listNotes", "A ticket's notes (extension)", Access::Manager, config)
        .describe("The newest 500 notes, oldest first, each with its author. Notes are the team's own: never sent to Telegram.")
        .path("id", "The ticket id.")
        .json(200, "The notes.", schemas.written::<Vec<Note>>())
        .json(403, forbidden, common.detail.clone());
    let op = common.not_found(op, "No such ticket.");
    paths.add(&notes, "get", common.authenticated(op));

    let op = Operation::new(
        "team",
        "createNote",
        "Write a note (extension)",
        Access::Manager,
        config,
    )
    .describe("1 to 10,000 characters after trimming. Every manager gets `ticket.note.new`.")
    .path("id", "The ticket id.")
    .body(schemas.read::<NewNote>(), "The note.")
    .json(201, "The note.", schemas.written::<Note>());
    let op = common.not_found(op, "No such ticket.");
    paths.add(&notes, "post", common.authenticated(common.with_body(op)));

    let op = Operation::new("team", "listCanned", "The canned replies (extension)", Access::Manager, config)
        .describe("Every canned reply, by title. `{first_name}`, `{ticket_id}` and the other variables are filled by the console.")
        .json(200, "The replies.", schemas.written::<Vec<CannedReply>>())
        .json(403, forbidden, common.detail.clone());
    paths.add(&canned, "get", common.authenticated(op));

    let op = Operation::new("team", "createCanned", "Add a canned reply (extension)", Access::Manager, config)
        .describe("`title` (1 to 100 characters) and `text` (1 to 4,096) are required; at most 1,000 replies. Every manager gets `canned.changed`.")
        .body(schemas.read::<CannedPatch>(), "The reply.")
        .json(201, "The reply.", schemas.written::<CannedReply>());
    paths.add(&canned, "post", common.authenticated(common.with_body(op)));

    let op = Operation::new(
        "team",
        "updateCanned",
        "Change a canned reply (extension)",
        Access::Manager,
        config,
    )
    .describe("Either key; every manager gets `canned.changed`.")
    .path("id", "The reply id.")
    .body(schemas.read::<CannedPatch>(), "The changes.")
    .json(200, "The reply.", schemas.written::<CannedReply>());
    let op = common.not_found(op, "No such reply.");
    paths.add(&one, "patch", common.authenticated(common.with_body(op)));

    let op = Operation::new(
        "team",
        "deleteCanned",
        "Delete a canned reply (extension)",
        Access::Manager,
        config,
    )
    .describe("Every manager gets `canned.changed`.")
    .path("id", "The reply id.")
    .empty(204, "Deleted.")
    .json(403, forbidden, common.detail.clone());
    let op = common.not_found(op, "No such reply.");
    paths.add(&one, "delete", common.authenticated(op));
}
