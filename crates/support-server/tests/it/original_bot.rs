//! `chatlabs-aiogram-support` 0.2.0's REST client, unmodified from PyPI, against our server:
//! every call its screens make (creating a ticket and its first message, the open and closed
//! lists, a ticket, its messages, writing again), and `api_update`, whose body it nests by
//! mistake. Its `Ticket` model requires the ticket-level `viewed` of the 1.2.0 line; it sends no
//! token, so the server runs with `legacy_anonymous_bot_api`.

use axum::Router;
use serde_json::{Value, json};
use support_server::CompatLine;
use support_testkit::TestServer;
use support_testkit::original::{BotApi, original_dir};
use support_testkit::ws::{id, recv_until, send};

const USER: i64 = 7001;

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

async fn server(anonymous: bool) -> TestServer {
    TestServer::sqlite_host(
        |b| {
            b.legacy_anonymous_bot_api(anonymous)
                .compat_line(CompatLine::V1_2)
        },
        Router::new(),
    )
    .await
}

#[tokio::test]
async fn the_0_2_0_bot_client_makes_every_call_of_its_screens() {
    let Some(dir) = original_dir("the_0_2_0_bot_client_makes_every_call_of_its_screens") else {
        return;
    };
    let site = server(true).await;
    let (anna, session) = site.manager("anna").await;
    let mut ws = site.manager_ws(&session).await;
    let mut bot = BotApi::start(&dir, site.addr, "support/").await;

    // confirm.py: the ticket, then its first message.
    let ticket = bot
        .ok(
            "Ticket.api_create",
            json!({"user_id": USER, "title": "Не приходит код"}),
        )
        .await;
    let t = id(&ticket);
    assert_eq!(
        (
            &ticket["user"]["telegram_id"],
            &ticket["support_manager"],
            &ticket["resolved"],
            &ticket["viewed"]
        ),
        (&json!(USER), &Value::Null, &json!(false), &json!(false)),
        "{ticket}"
    );
    let first = bot
        .ok(
            "Message.api_create",
            json!({"ticket_id": t, "text": "Код не приходит уже час"}),
        )
        .await;
    assert_eq!(
        (&first["ticket"], &first["sender"], &first["text"]),
        (&json!(t), &json!("user"), &json!("Код не приходит уже час"))
    );
    // The managers saw both.
    let created = recv_until(&mut ws, "ticket.created").await;
    assert_eq!(id(&created["ticket"]), t);

    // open_tickets.py / close_tickets.py: the lists the bot shows.
    let open = bot
        .ok(
            "Ticket.api_get_list",
            json!({"user_id": USER, "resolved": false}),
        )
        .await;
    assert_eq!(ids(&open), vec![t]);
    let closed = bot
        .ok(
            "Ticket.api_get_list",
            json!({"user_id": USER, "resolved": true}),
        )
        .await;
    assert_eq!(closed, json!([]));

    // A manager takes it, reads it and answers.
    send(&mut ws, json!({"type": "ticket.assign", "ticket_id": t})).await;
    recv_until(&mut ws, "ticket.assigned").await;
    let viewed = site
        .client
        .patch(site.url(&format!("/support/tickets/{t}/")))
        .header("cookie", format!("support_session={session}"))
        .header("origin", site.origin())
        .json(&json!({"viewed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(viewed.status(), 200);
    send(
        &mut ws,
        json!({"type": "ticket.message.new", "ticket_id": t, "text": "Проверим, минуту"}),
    )
    .await;
    recv_until(&mut ws, "ticket.message.new").await;

    // utils.py / ticket_details.py: the ticket and its messages, newest first.
    let got = bot.ok("Ticket.api_get", json!({"id": t})).await;
    // Its `SupportManager` model has no fields: it reads only that there is one.
    assert_eq!(
        (&got["support_manager"], &got["viewed"]),
        (&json!({}), &json!(true)),
        "{got}"
    );
    assert_eq!(site.stored_ticket(t).await.manager_id(), Some(anna));
    let messages = bot
        .ok("Message.api_get_list", json!({"ticket_id": t}))
        .await;
    let shown: Vec<(&Value, &Value)> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (&m["sender"], &m["text"]))
        .collect();
    assert_eq!(
        shown,
        vec![
            (&json!("supp"), &json!("Проверим, минуту")),
            (&json!("user"), &json!("Код не приходит уже час")),
        ]
    );
    // The user writes again from the ticket screen: the ticket is unviewed again, and its
    // holder is told.
    bot.ok(
        "Message.api_create",
        json!({"ticket_id": t, "text": "Пришёл, спасибо!"}),
    )
    .await;
    let told = recv_until(&mut ws, "ticket.message.new").await;
    assert_eq!(told["message"]["text"], "Пришёл, спасибо!");
    let got = bot.ok("Ticket.api_get", json!({"id": t})).await;
    assert_eq!(got["viewed"], false, "{got}");

    // api_update nests its body ({"body": {...}}): like the original, the server changes
    // nothing and answers the ticket, which the client reads.
    let same = bot
        .ok("Ticket.api_update", json!({"id": t, "resolved": true}))
        .await;
    assert_eq!((id(&same), &same["resolved"]), (t, &json!(false)));

    // The manager resolves it: the bot's lists follow.
    let resolved = site
        .client
        .patch(site.url(&format!("/support/tickets/{t}/")))
        .header("cookie", format!("support_session={session}"))
        .header("origin", site.origin())
        .json(&json!({"resolved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resolved.status(), 200);
    let closed = bot
        .ok(
            "Ticket.api_get_list",
            json!({"user_id": USER, "resolved": true}),
        )
        .await;
    assert_eq!(ids(&closed), vec![t]);
    let open = bot
        .ok(
            "Ticket.api_get_list",
            json!({"user_id": USER, "resolved": false}),
        )
        .await;
    assert_eq!(open, json!([]));

    // What it reads as "nothing": a ticket that does not exist.
    assert_eq!(
        bot.ok("Ticket.api_get", json!({"id": 999_999})).await,
        Value::Null
    );
    // What it cannot read it raises on (it never checks the status of a create): the server
    // still answers a clear 4xx, which the request log below shows, and stores nothing.
    let refused = bot
        .call(
            "Message.api_create",
            json!({"ticket_id": 999_999, "text": "lost"}),
        )
        .await;
    assert!(refused.is_err_and(|e| e.starts_with("ValidationError")));
    let long_title = "x".repeat(300);
    let refused = bot
        .call(
            "Ticket.api_create",
            json!({"user_id": USER, "title": long_title}),
        )
        .await;
    assert!(refused.is_err_and(|e| e.starts_with("ValidationError")));
    assert_eq!(site.stored_messages(t).await.len(), 3);
    let all = site
        .storage()
        .list_tickets(&Default::default())
        .await
        .unwrap();
    assert_eq!(all.1, 1, "nothing else was stored");
}

/// Without the opt-in the server refuses the tokenless client with 401, and stores nothing.
#[tokio::test]
async fn without_the_opt_in_the_tokenless_client_is_refused() {
    let Some(dir) = original_dir("without_the_opt_in_the_tokenless_client_is_refused") else {
        return;
    };
    let site = server(false).await;
    let mut bot = BotApi::start(&dir, site.addr, "support/").await;
    let refused = bot
        .call("Ticket.api_create", json!({"user_id": USER, "title": "hi"}))
        .await;
    assert!(refused.is_err_and(|e| e.starts_with("ValidationError")));
    assert_eq!(
        bot.ok(
            "Ticket.api_get_list",
            json!({"user_id": USER, "resolved": false})
        )
        .await,
        Value::Null,
        "an error status reads as None"
    );
    let status = site
        .client
        .get(site.url("/support/tickets/"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    let all = site
        .storage()
        .list_tickets(&Default::default())
        .await
        .unwrap();
    assert_eq!(all.1, 0);
}
