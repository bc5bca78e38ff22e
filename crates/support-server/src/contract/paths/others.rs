//! The routes around the REST API: manager authentication, the console page, the websocket
//! upgrades, health and the contract documents.

use serde_json::json;

use super::Common;
use crate::config::SupportConfig;
use crate::contract::bodies::{Credentials, Liveness, ManagerInfo, Readiness, TokenGrant};
use crate::contract::openapi::{Access, Operation, Paths, Schemas};
use crate::contract::{EVENTS_SCHEMA_PATH, OPENAPI_PATH};
use crate::health::{HEALTHZ_PATH, READYZ_PATH};

pub(super) fn auth(
    config: &SupportConfig,
    schemas: &mut Schemas,
    paths: &mut Paths,
    common: &Common,
) {
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

pub(super) fn websockets(config: &SupportConfig, paths: &mut Paths, common: &Common) {
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

pub(super) fn meta(config: &SupportConfig, schemas: &mut Schemas, paths: &mut Paths) {
    // With `ops_listener`, health and metrics are on another listener, not in this router.
    #[cfg(feature = "prometheus")]
    if config.metrics.is_some() && !config.ops_listener {
        let metrics = Operation::new("meta", "metrics", "Metrics", Access::Public, config).content(
            200,
            "The Prometheus text exposition format (`text/plain; version=0.0.4`); the series \
                 are listed in `support_server::metrics`.",
            "text/plain",
        );
        paths.add(crate::metrics::METRICS_PATH, "get", metrics);
    }
    if config.health && !config.ops_listener {
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
