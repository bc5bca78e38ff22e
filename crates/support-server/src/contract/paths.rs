//! The route table of the OpenAPI document: every route the server serves, with the types its
//! handlers read and write and the statuses they answer (`api/`, `auth/routes.rs`, `ws/`,
//! `console/`, `health.rs`, this module).

use serde_json::{Value, json};
use support_protocol::schema::{DetailError, FieldErrors};
use support_protocol::{
    ErrorBody, Listing, Message, NewMessage, NewTicket, Ticket, TicketFilter, TicketPatch,
};

use super::bodies::{Credentials, Liveness, ManagerInfo, OptionsMetadata, Readiness, TokenGrant};
use super::openapi::{Access, Operation, Paths, Schemas};
use super::{EVENTS_SCHEMA_PATH, OPENAPI_PATH};
use crate::config::SupportConfig;
use crate::health::{HEALTHZ_PATH, READYZ_PATH};

/// The answers most operations share.
struct Common {
    detail: Value,
    fields: Value,
    error: Value,
}

impl Common {
    /// The errors of an authenticated REST call: 401 without (valid) credentials, 503 when the
    /// storage fails.
    fn authenticated(&self, op: Operation) -> Operation {
        op.json(
            401,
            "No credentials, or an invalid token.",
            self.detail.clone(),
        )
        .json(
            503,
            "The storage failed (the error is logged).",
            self.detail.clone(),
        )
    }

    /// The errors of a call with a body: malformed or invalid (400), too large (413), not JSON
    /// or a form (415); unsafe calls by session cookie from a foreign `Origin` (403).
    fn with_body(&self, op: Operation) -> Operation {
        op.json(
            400,
            "Field errors, or `{\"detail\"}` for a body that is not JSON [E1].",
            self.error.clone(),
        )
        .json(
            403,
            "CSRF: a cookie-authenticated call from a foreign `Origin`.",
            self.detail.clone(),
        )
        .json(
            413,
            "The body is larger than the configured limit.",
            self.detail.clone(),
        )
        .json(
            415,
            "Neither JSON nor form-urlencoded.",
            self.detail.clone(),
        )
    }

    fn not_found(&self, op: Operation, what: &str) -> Operation {
        op.json(404, what, self.detail.clone())
    }
}

/// Describes every route `config` lays out into `paths`.
pub(super) fn describe(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths) {
    let common = Common {
        detail: schemas.written::<DetailError>(),
        fields: schemas.written::<FieldErrors>(),
        error: schemas.written::<ErrorBody>(),
    };
    tickets(config, schemas, paths, &common);
    messages(config, schemas, paths, &common);
    auth(config, schemas, paths, &common);
    websockets(config, paths, &common);
    meta(config, schemas, paths);
}

/// `OPTIONS` of a REST resource: Django REST framework's metadata, no credentials needed.
fn options(config: &SupportConfig, schemas: &mut Schemas, id: &str, name: &str) -> Operation {
    Operation::new(
        "tickets",
        id,
        &format!("Metadata of the {name} resource"),
        Access::Public,
        config,
    )
    .json(
        200,
        "The resource's metadata; `Allow` lists its methods.",
        schemas.written::<OptionsMetadata>(),
    )
    .header(200, "Allow", "The methods the path serves.")
}

fn tickets(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths, common: &Common) {
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
        "Newest first. Filters combine with AND; a bad filter value is a 400. Without \
             `limit`: a JSON array; with it, the paginated envelope whose `next` and \
             `previous` are absolute URLs.",
    );
    for name in [
        "user_id",
        "resolved",
        "manager",
        "manager__isnull",
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
                "Writable: `title`, `resolved`; `user_id` may be sent but not changed. A change \
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

fn messages(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths, common: &Common) {
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

fn auth(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths, common: &Common) {
    let base = format!("{}/auth", config.mount);
    let no_builtin = "The server has no built-in authentication (the host authenticates managers).";
    let credentials = |op: Operation, schemas: &mut Schemas| {
        let op = op
            .body(
                schemas.read::<Credentials>(),
                "The manager's credentials, JSON or form-urlencoded.",
            )
            .json(
                400,
                "Missing fields, or `{\"detail\": \"Invalid username or password.\"}`.",
                common.error.clone(),
            )
            .json(
                403,
                "CSRF: a browser's request from a foreign `Origin`.",
                common.detail.clone(),
            )
            .json(404, no_builtin, common.detail.clone())
            .json(
                413,
                "The body is larger than the configured limit.",
                common.detail.clone(),
            )
            .json(
                415,
                "Neither JSON nor form-urlencoded.",
                common.detail.clone(),
            )
            .json(
                429,
                "Too many failed logins for this client or account.",
                common.detail.clone(),
            )
            .header(
                429,
                "Retry-After",
                "Seconds until the next attempt is accepted.",
            );
        op.json(503, "The storage failed.", common.detail.clone())
    };
    let login = Operation::new(
        "auth",
        "login",
        "Log a manager in (session cookie) [A1]",
        Access::Public,
        config,
    )
    .json(
        200,
        "The manager; the session cookie is set.",
        schemas.written::<ManagerInfo>(),
    )
    .header(
        200,
        "Set-Cookie",
        "The session cookie (HttpOnly, SameSite=Lax).",
    );
    paths.add(
        &format!("{base}/login/"),
        "post",
        credentials(login, schemas),
    );
    let token = Operation::new(
        "auth",
        "createToken",
        "Issue a manager bearer token [A1]",
        Access::Public,
        config,
    )
    .json(
        200,
        "A bearer token for `Authorization: Bearer <token>`.",
        schemas.written::<TokenGrant>(),
    );
    paths.add(
        &format!("{base}/token/"),
        "post",
        credentials(token, schemas),
    );
    let logout = Operation::new(
        "auth",
        "logout",
        "End the session (and revoke a presented token)",
        Access::Optional,
        config,
    )
    .empty(
        204,
        "Done, whether or not there was a session; the cookie is cleared.",
    )
    .json(
        403,
        "CSRF: a browser's request from a foreign `Origin`.",
        common.detail.clone(),
    )
    .json(404, no_builtin, common.detail.clone())
    .json(503, "The storage failed.", common.detail.clone());
    paths.add(&format!("{base}/logout/"), "post", logout);
    let me = Operation::new(
        "auth",
        "me",
        "The authenticated manager",
        Access::Manager,
        config,
    )
    .json(200, "The manager.", schemas.written::<ManagerInfo>());
    paths.add(&format!("{base}/me/"), "get", common.authenticated(me));

    let console = Operation::new(
        "console",
        "console",
        "The manager console page",
        Access::Public,
        config,
    )
    .content(
        200,
        "The page (it logs in and talks to the REST API and the manager websocket).",
        "text/html",
    );
    paths.add(&format!("{}/manager/", config.mount), "get", console);
}

fn websockets(config: &SupportConfig, paths: &mut Paths, common: &Common) {
    let p = &config.ws_prefix;
    let events = format!("{}{EVENTS_SCHEMA_PATH}", config.mount);
    let upgrade = |op: Operation| {
        op.empty(101, "Switching protocols: the websocket is open.")
            .json(
                400,
                "Not a valid websocket handshake, or a bad query parameter.",
                common.detail.clone(),
            )
            .json(
                401,
                "No credentials, or an invalid token.",
                common.detail.clone(),
            )
    };
    let manager = Operation::new(
        "websockets",
        "managerSocket",
        "The manager websocket [W1]-[W8]",
        Access::Manager,
        config,
    )
    .describe(&format!(
        "The client sends `ClientEvent`s and receives `ServerEvent`s, as described by \
             `{events}`."
    ));
    let manager = upgrade(manager).json(
        403,
        "A cookie-authenticated upgrade from a foreign `Origin`.",
        common.detail.clone(),
    );
    paths.add(&format!("{p}/manager/"), "get", manager);
    let bot = Operation::new("websockets", "botSocket", "The bot websocket [W9]", Access::Bot, config)
        .describe(&format!(
            "Without `delivery`: every manager reply as `ticket.message.new` with a growing \
             `cursor`, from the given one on. With `delivery=1`: `delivery.offer`s, answered \
             with `BotEvent`s. Events as described by `{events}`."
        ))
        .query("cursor", json!({"description": "Resume after this cursor.", "type": "integer", "minimum": 0}))
        .query("delivery", json!({"description": "`1` or `true`: delivery mode.", "enum": ["0", "1", "true", "false"]}));
    paths.add(&format!("{p}/bot/"), "get", upgrade(bot));
}

fn meta(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths) {
    if config.health {
        let live = Operation::new("meta", "healthz", "Liveness", Access::Public, config).json(
            200,
            "The process is up.",
            schemas.written::<Liveness>(),
        );
        paths.add(HEALTHZ_PATH, "get", live);
        let ready = Operation::new("meta", "readyz", "Readiness", Access::Public, config)
            .json(
                200,
                "The storage and the hub answer.",
                schemas.written::<Readiness>(),
            )
            .json(
                503,
                "A part fails (named in `failing`).",
                schemas.written::<Readiness>(),
            );
        paths.add(READYZ_PATH, "get", ready);
    }
    if !config.contract {
        return;
    }
    let openapi = Operation::new("meta", "openapi", "This document", Access::Public, config).json(
        200,
        "The OpenAPI 3.1 document.",
        json!({"type": "object", "required": ["openapi", "paths"]}),
    );
    paths.add(&format!("{}{OPENAPI_PATH}", config.mount), "get", openapi);
    let events = Operation::new(
        "meta",
        "eventsSchema",
        "The websocket events' JSON Schema",
        Access::Public,
        config,
    )
    .json(
        200,
        "A JSON Schema 2020-12 document.",
        json!({"type": "object", "required": ["$schema", "$defs"]}),
    );
    paths.add(
        &format!("{}{EVENTS_SCHEMA_PATH}", config.mount),
        "get",
        events,
    );
}
