//! The bot websocket \[W9\]: every manager reply, in id order, with a growing cursor; a bot that
//! reconnects with its last cursor gets exactly the replies it missed, in order, none twice.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use support_testkit::ws::{id, recv, recv_type, send, silent};
use support_testkit::{EVENT_WAIT, TestServer, Ws};

/// A manager connection that replies on `ticket` (unassigned, so any manager may).
async fn replier(s: &TestServer, name: &str) -> Ws {
    let (_, token) = s.manager(name).await;
    s.manager_ws(&token).await
}

async fn reply(ws: &mut Ws, ticket: i64, text: &str) {
    send(
        ws,
        json!({"type": "ticket.message.new", "ticket_id": ticket, "text": text}),
    )
    .await;
}

/// The next reply on the bot socket: (cursor, message).
async fn next_reply(bot: &mut Ws) -> (i64, Value) {
    let e = recv(bot).await;
    assert_eq!(e["type"], "ticket.message.new", "{e}");
    let cursor = e["cursor"].as_i64().expect("a cursor");
    assert_eq!(cursor, id(&e["message"]), "the cursor is the message id");
    assert_eq!(e["message"]["sender"], "supp");
    (cursor, e["message"].clone())
}

#[tokio::test]
async fn replies_arrive_in_order_with_growing_cursors_and_user_messages_do_not() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "push").await);
    let mut bot = s.bot_ws(None).await;
    let mut anna = replier(&s, "anna").await;
    s.user_message(t, "from the user").await;
    for text in ["one", "two", "three"] {
        reply(&mut anna, t, text).await;
    }
    let mut last = 0;
    for text in ["one", "two", "three"] {
        let e = recv(&mut bot).await;
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["type", "message", "cursor"]);
        let (cursor, message) = next_reply_from(&e);
        assert_eq!(message["text"], text);
        assert!(cursor > last, "cursors only grow");
        last = cursor;
    }
    silent(&mut bot).await;

    // Pings are answered; other client frames are ignored.
    bot.send(Message::Ping(vec![7u8].into())).await.unwrap();
    bot.send(Message::text("{\"type\":\"whatever\"}"))
        .await
        .unwrap();
    let pong = tokio::time::timeout(EVENT_WAIT, bot.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong, Message::Pong(vec![7u8].into()));
    silent(&mut bot).await;
}

fn next_reply_from(e: &Value) -> (i64, Value) {
    let cursor = e["cursor"].as_i64().unwrap();
    (cursor, e["message"].clone())
}

#[tokio::test]
async fn a_reconnecting_bot_gets_exactly_what_it_missed() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "push").await);
    let mut anna = replier(&s, "anna").await;
    let mut bot = s.bot_ws(None).await;
    reply(&mut anna, t, "before the outage").await;
    let (cursor, _) = next_reply(&mut bot).await;
    bot.close(None).await.unwrap();
    drop(bot);

    for i in 0..5 {
        reply(&mut anna, t, &format!("missed {i}")).await;
    }
    // Wait until all five are stored.
    for _ in 0..5 {
        recv_type(&mut anna, "ticket.message.new").await;
    }
    recv_type(&mut anna, "ticket.message.new").await;

    let mut bot = s.bot_ws(Some(cursor)).await;
    let mut last = cursor;
    for i in 0..5 {
        let (c, m) = next_reply(&mut bot).await;
        assert_eq!(m["text"], format!("missed {i}"));
        assert!(c > last);
        last = c;
    }
    silent(&mut bot).await;
    // And live replies continue, once.
    reply(&mut anna, t, "live").await;
    let (c, m) = next_reply(&mut bot).await;
    assert_eq!(m["text"], "live");
    assert!(c > last);
    silent(&mut bot).await;

    // Cursor 0 replays every reply; no cursor starts after the newest.
    let mut from_zero = s.bot_ws(Some(0)).await;
    let mut texts = Vec::new();
    for _ in 0..7 {
        texts.push(next_reply(&mut from_zero).await.1["text"].clone());
    }
    assert_eq!(texts[0], "before the outage");
    assert_eq!(texts[6], "live");
    silent(&mut from_zero).await;
    let mut fresh = s.bot_ws(None).await;
    silent(&mut fresh).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replies_arrive_in_id_order_none_twice() {
    const MANAGERS: usize = 4;
    const EACH: usize = 25;
    let s = TestServer::default_server().await;
    let mut bot = s.bot_ws(None).await;
    let mut repliers = Vec::new();
    for i in 0..MANAGERS {
        let t = id(&s.create_ticket(2000 + i as i64, "many").await);
        repliers.push((t, replier(&s, &format!("m{i}")).await));
    }
    // A second bot joins halfway through, from cursor 0: it must see the same sequence.
    let tasks: Vec<_> = repliers
        .into_iter()
        .map(|(t, mut ws)| {
            tokio::spawn(async move {
                for j in 0..EACH {
                    reply(&mut ws, t, &format!("{t}-{j}")).await;
                }
                ws
            })
        })
        .collect();
    let mut late = None;
    let mut seen = Vec::new();
    for n in 0..MANAGERS * EACH {
        if n == MANAGERS * EACH / 2 {
            late = Some(s.bot_ws(Some(0)).await);
        }
        let (c, _) = next_reply(&mut bot).await;
        seen.push(c);
    }
    for task in tasks {
        task.await.unwrap();
    }
    silent(&mut bot).await;
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seen, sorted, "strictly increasing, none twice");
    let mut late = late.unwrap();
    let mut late_seen = Vec::new();
    for _ in 0..MANAGERS * EACH {
        late_seen.push(next_reply(&mut late).await.0);
    }
    silent(&mut late).await;
    assert_eq!(late_seen, seen);
}
