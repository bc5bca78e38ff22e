//! Resumable manager events (extension, SPEC-NOTES): every event carries `seq`; a manager who
//! reconnects with `?since=` the last number it saw is replayed what it missed that was meant
//! for it, in order and once, then `resumed`; a position the log cannot replay from gets
//! `resync_required`; across two instances sharing Postgres, the instance it reconnects to
//! replays what the other published.

use serde_json::{Value, json};
use support_testkit::ws::{id, recv, recv_type, recv_until, refused, send, silent};
use support_testkit::{TestServer, Ws};

/// The `seq` of an event.
fn seq(event: &Value) -> u64 {
    event["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq in {event}"))
}

/// Reads events until `resumed`; returns those before it and the `resumed` event.
async fn until_resumed(ws: &mut Ws) -> (Vec<Value>, Value) {
    let mut replayed = Vec::new();
    loop {
        let event = recv(ws).await;
        match event["type"].as_str() {
            Some("resumed") => return (replayed, event),
            Some("resync_required") => panic!("resync_required, expected a replay: {event}"),
            _ => replayed.push(event),
        }
    }
}

/// Anna goes away after seeing event `since`; meanwhile a ticket is created, a user writes in
/// it, Boris takes another ticket and its user writes to him. Back with `?since=`, Anna gets the
/// three events meant for her (not Boris's user's message), in order, then `resumed` with the
/// newest number, then live events: nothing twice.
async fn scenario(a: &TestServer, b: &TestServer) {
    let (_, anna) = a.manager("anna").await;
    let (boris_id, boris) = a.manager("boris").await;
    let mut boris_ws = a.manager_ws(&boris).await;

    // Where the log stands when Anna first connects.
    let mut first = b.manager_ws_since(&anna, "latest").await;
    let resumed = recv_type(&mut first, "resumed").await;
    assert_eq!(resumed["replayed"], 0);
    let since = seq(&resumed);
    silent(&mut first).await;
    let borises = a.create_ticket(2002, "for boris").await;
    let live = recv_type(&mut first, "ticket.created").await;
    assert_eq!(seq(&live), since + 1, "live events are numbered from there");
    let since = seq(&live);
    drop(first);

    // While Anna is away (events published through both instances).
    let ticket = a.create_ticket(2001, "while away").await;
    let t = id(&ticket);
    let m = b.user_message(t, "hello?").await;
    send(
        &mut boris_ws,
        json!({"type": "ticket.assign", "id": id(&borises)}),
    )
    .await;
    recv_until(&mut boris_ws, "ticket.assigned").await;
    let for_boris = a.user_message(id(&borises), "only for boris").await;
    // Boris sees his user's message (the unassigned ticket's "hello?" may come before it).
    let boris_event = loop {
        let e = recv_until(&mut boris_ws, "ticket.message.new").await;
        if e["message"] == for_boris {
            break e;
        }
    };

    let mut back = b.manager_ws_since(&anna, &since.to_string()).await;
    let (replayed, resumed) = until_resumed(&mut back).await;
    // The three, each once. Across instances their order is the order the instances appended
    // them to the log, which need not be the order the REST answers came back in (an event is
    // numbered just after its request returns); within one instance it is.
    let mut kinds: Vec<&str> = replayed
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    if std::ptr::eq(a, b) {
        assert_eq!(
            kinds,
            ["ticket.created", "ticket.message.new", "ticket.assigned"]
        );
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["ticket.assigned", "ticket.created", "ticket.message.new"],
        "{replayed:#?}"
    );
    let of = |kind: &str| replayed.iter().find(|e| e["type"] == kind).unwrap();
    assert_eq!(of("ticket.created")["ticket"], ticket);
    assert_eq!(of("ticket.message.new")["message"], m);
    assert_eq!(of("ticket.assigned")["support_manager"], json!(boris_id));
    let numbers: Vec<u64> = replayed.iter().map(seq).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "in order: {numbers:?}"
    );
    assert!(numbers[0] > since);
    assert_eq!(resumed["replayed"], 3);
    assert!(
        seq(&resumed) >= numbers[2] && seq(&resumed) >= seq(&boris_event),
        "the cursor covers every event replayed, and Boris's message too"
    );
    assert!(
        !replayed.iter().any(|e| e["message"] == for_boris),
        "not another manager's"
    );
    silent(&mut back).await;

    // Live again, nothing twice.
    let m2 = a.user_message(t, "still there?").await;
    let e = recv_type(&mut back, "ticket.message.new").await;
    assert_eq!(e["message"], m2);
    assert_eq!(seq(&e), seq(&resumed) + 1);
    silent(&mut back).await;
}

#[tokio::test]
async fn a_reconnecting_manager_is_replayed_what_it_missed() {
    let s = TestServer::default_server().await;
    scenario(&s, &s).await;
}

#[tokio::test]
async fn positions_the_server_cannot_replay_from_get_resync_required() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let mut ws = s.manager_ws_since(&anna, "latest").await;
    let now = seq(&recv_type(&mut ws, "resumed").await);

    // From before this process's log (an earlier process's numbers), and ahead of it (another
    // server's): reload, and the cursor to continue from.
    for since in ["0", &(now + 1000).to_string()] {
        let mut ws = s.manager_ws_since(&anna, since).await;
        let e = recv(&mut ws).await;
        assert_eq!(e["type"], "resync_required", "since={since}: {e}");
        assert_eq!(seq(&e), now);
        assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()));
        silent(&mut ws).await;
    }

    // Not a number: refused before the upgrade, with a JSON reason.
    for bad in ["-1", "x", "1.5", "+3", "%31", "99999999999999999999999"] {
        let url = s.ws_url(&format!("/ws/support/manager/?since={bad}"));
        let (status, body) = refused(
            &url,
            &[
                ("cookie", format!("support_session={anna}")),
                ("origin", s.origin()),
            ],
        )
        .await;
        assert_eq!(status, 400, "since={bad}");
        assert!(body["detail"].as_str().unwrap().contains("since"), "{body}");
    }
}

#[tokio::test]
async fn clients_that_do_not_ask_get_no_resume_events_only_the_added_seq() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let mut ws = s.manager_ws(&anna).await;
    silent(&mut ws).await;
    let ticket = s.create_ticket(1001, "t").await;
    let e = recv(&mut ws).await;
    assert_eq!(e["type"], "ticket.created");
    assert_eq!(e["ticket"], ticket);
    assert_eq!(
        e.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["type", "ticket", "seq"],
        "the original's keys first, the extension last"
    );
    silent(&mut ws).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_resumes_on_another_instance_from_the_shared_log() {
    use std::sync::Arc;
    use support_server::SupportServer;
    use support_server::hub::{DEFAULT_CAPACITY, PgHub};
    use support_testkit::services::postgres_url;
    use support_testkit::{BOT_TOKEN, PgSchema, unique};
    let Some(url) = postgres_url("a_manager_resumes_on_another_instance_from_the_shared_log")
    else {
        return;
    };
    let schema = PgSchema::create_named(&url, "support_resume_test_").await;
    let channel = unique("support_events_");
    let mut servers = Vec::new();
    for _ in 0..2 {
        let storage = schema.storage().await;
        let hub = PgHub::connect(storage.pool().clone(), &channel, DEFAULT_CAPACITY)
            .await
            .unwrap();
        let support = SupportServer::builder()
            .storage(storage)
            .shared_hub(Arc::new(hub))
            .bot_token(BOT_TOKEN)
            .build();
        servers.push(TestServer::start(support).await);
    }
    scenario(&servers[0], &servers[1]).await;
    drop(servers);
    schema.drop().await;
}
