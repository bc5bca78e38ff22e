//! The REST resources: tickets \[R1\]-\[R4\], their messages \[R5\]-\[R6\] and a reply's retry.

use serde_json::json;
use support_protocol::{
    Listing, Message, NewMessage, NewTicket, Ticket, TicketFilter, TicketPatch,
};

use super::{Common, options};
use crate::config::SupportConfig;
use crate::contract::openapi::{Access, Operation, Paths, Schemas};

pub(super) fn tickets(
    config: &SupportConfig,
    schemas: &mut Schemas,
    paths: &mut Paths,
    common: &Common,
) {
    let list = format!("{}/tickets/", config.mount);
    let detail = format!("{}/tickets/{{id}}/", config.mount);
    let mut get = Operation::new(
        "tickets",
        "listTickets",
        "List tickets [R1]",
        Access::BotOrManager,
        config,
    )
    .describe(
        "Newest first (extension `ordering`: by activity, by waiting, or `unviewed`, the \
             default of a server answering as the original's 1.2.0 line). Filters combine \
             with AND; a bad filter value is a 400. Without `limit`: a JSON array; with it, the \
             paginated envelope whose `next` and `previous` are absolute URLs. Each ticket \
             carries its newest message (extension `last_message`).",
    );
    for name in [
        "user_id",
        "resolved",
        "manager",
        "manager__isnull",
        "not_manager",
        "search",
        "ordering",
        "limit",
        "offset",
    ] {
        get = get.query(name, schemas.read_property::<TicketFilter>(name));
    }
    let get = get
        .json(200, "The tickets.", schemas.written::<Listing<Ticket>>())
        .json(400, "A filter value is invalid.", common.fields.clone());
    paths.add(&list, "get", common.authenticated(get));

    let post = Operation::new(
        "tickets",
        "createTicket",
        "Open a ticket [R2]",
        Access::BotOrManager,
        config,
    )
    .describe(
        "Emits `ticket.created` to every manager. With the extension `text`, the ticket's \
             first user message is created in the same transaction (and emits \
             `ticket.message.new`).",
    )
    .body(
        schemas.read::<NewTicket>(),
        "The ticket; `user_id` must be a user the host's directory accepts.",
    )
    .json(201, "The new ticket.", schemas.written::<Ticket>());
    paths.add(&list, "post", common.authenticated(common.with_body(post)));
    paths.add(
        &list,
        "options",
        options(config, schemas, "ticketListOptions", "ticket list"),
    );

    let get = Operation::new(
        "tickets",
        "getTicket",
        "Read a ticket [R3]",
        Access::BotOrManager,
        config,
    )
    .path("id", "The ticket id.")
    .json(200, "The ticket.", schemas.written::<Ticket>());
    let get = common.not_found(get, "No such ticket (or the id is not a positive integer).");
    paths.add(&detail, "get", common.authenticated(get));

    let patch = schemas.read::<TicketPatch>();
    let put = json!({"allOf": [&patch], "required": ["user_id", "title"]});
    for (method, id, summary, body) in [
        (
            "put",
            "replaceTicket",
            "Update a ticket (all writable fields) [R4]",
            put,
        ),
        (
            "patch",
            "updateTicket",
            "Update some of a ticket's fields [R4]",
            patch,
        ),
    ] {
        let op = Operation::new("tickets", id, summary, Access::BotOrManager, config)
            .describe(
                "Writable: `title`, `resolved`, `viewed` (the 1.2.0 line's mark; `true` also marks \
                 the ticket's messages viewed); `user_id` may be sent but not changed. A change \
                 emits `ticket.updated` to the managers who see the ticket.",
            )
            .path("id", "The ticket id.")
            .body(body, "The fields to change.")
            .json(
                200,
                "The ticket after the change.",
                schemas.written::<Ticket>(),
            );
        let op = common.not_found(op, "No such ticket.");
        paths.add(&detail, method, common.authenticated(common.with_body(op)));
    }
    paths.add(
        &detail,
        "options",
        options(config, schemas, "ticketOptions", "ticket").path("id", "The ticket id."),
    );
}

pub(super) fn messages(
    config: &SupportConfig,
    schemas: &mut Schemas,
    paths: &mut Paths,
    common: &Common,
) {
    let list = format!("{}/tickets/{{id}}/messages/", config.mount);
    let retry = format!(
        "{}/tickets/{{id}}/messages/{{message}}/retry/",
        config.mount
    );
    let mut get = Operation::new(
        "tickets",
        "listMessages",
        "List a ticket's messages [R5]",
        Access::BotOrManager,
        config,
    )
    .describe("Newest first; without `limit` a JSON array, with it the paginated envelope.")
    .path("id", "The ticket id.");
    for name in ["limit", "offset"] {
        get = get.query(name, schemas.read_property::<TicketFilter>(name));
    }
    let get = get.json(200, "The messages.", schemas.written::<Listing<Message>>());
    let get = common.not_found(get, "No such ticket.");
    paths.add(&list, "get", common.authenticated(get));

    let post = Operation::new(
        "tickets",
        "createMessage",
        "Write a message [R6]",
        Access::BotOrManager,
        config,
    )
    .describe(
        "A bot writes as the user (`sender` may only be `user`); a manager writes `supp`, \
             recorded as theirs and created viewed. Emits `ticket.message.new` once.",
    )
    .path("id", "The ticket id.")
    .body(schemas.read::<NewMessage>(), "The message.")
    .json(201, "The new message.", schemas.written::<Message>());
    let post = common.not_found(post, "No such ticket.");
    paths.add(&list, "post", common.authenticated(common.with_body(post)));
    paths.add(
        &list,
        "options",
        options(config, schemas, "messageListOptions", "message list").path("id", "The ticket id."),
    );

    let op = Operation::new(
        "tickets",
        "retryDelivery",
        "Retry a failed reply's delivery (extension)",
        Access::Manager,
        config,
    )
    .describe("The reply is pending again and its user taken as reachable again.")
    .path("id", "The ticket id.")
    .path("message", "The reply's message id.")
    .json(
        200,
        "The message, its delivery pending.",
        schemas.written::<Message>(),
    )
    .json(
        403,
        "Only managers may retry a delivery.",
        common.detail.clone(),
    )
    .json(
        409,
        "The message is not a reply whose delivery failed.",
        common.detail.clone(),
    );
    let op = common.not_found(
        op,
        "No such ticket or message, or the message is another ticket's.",
    );
    paths.add(&retry, "post", common.authenticated(op));
}
