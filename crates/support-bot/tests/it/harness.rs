//! The harness that feeds updates to the support handler, with the real server and a fake
//! Telegram from the workspace's test kit.
#![allow(dead_code, unreachable_pub)]

use std::ops::ControlFlow;
use std::time::Duration;

use serde_json::json;
use support_bot::protocol::{TelegramId, Ticket, TicketId, TicketPatch};
use support_bot::{
    Languages, SupportClient, SupportConfig, SupportOptions, SupportState, SupportStorage, Texts,
};
use teloxide::dispatching::UpdateHandler;
use teloxide::dispatching::dialogue::{InMemStorage, Storage};
use teloxide::types::{ChatId, Update};

pub use support_testkit::{BOT_TOKEN, Call, FakeTelegram, Inject, TestServer};

/// The host's error type in these tests.
pub type HostError = Box<dyn std::error::Error + Send + Sync>;

/// The Telegram user of most tests (a private chat has the user's id).
pub const USER: i64 = 1001;

/// A client of `backend` with the test token.
pub fn client_for(addr: std::net::SocketAddr) -> SupportClient {
    let config = SupportConfig::builder()
        .host(addr.ip().to_string())
        .port(addr.port())
        .token(BOT_TOKEN)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    SupportClient::new(config).unwrap()
}

/// A client of a port where nothing listens: the backend is down.
pub async fn dead_client() -> SupportClient {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = SupportConfig::builder()
        .host("127.0.0.1")
        .port(addr.port())
        .token(BOT_TOKEN)
        .timeout(Duration::from_secs(2))
        .retries(1)
        .build()
        .unwrap();
    SupportClient::new(config).unwrap()
}

/// Everything a handler test needs.
pub struct Harness {
    pub backend: TestServer,
    pub tg: FakeTelegram,
    pub bot: teloxide::Bot,
    pub client: SupportClient,
    /// The languages of the screens (default: Russian for everyone, as a host passing one
    /// `Texts` gets).
    pub languages: Languages,
    pub options: SupportOptions,
    pub storage: SupportStorage,
    pub handler: UpdateHandler<HostError>,
    next_update: std::sync::atomic::AtomicI64,
    /// The fields of each fake user's `from` besides the defaults (`language_code`, names).
    user_fields: std::sync::Mutex<
        std::collections::HashMap<i64, serde_json::Map<String, serde_json::Value>>,
    >,
}

impl Harness {
    pub async fn new() -> Self {
        let backend = TestServer::sqlite().await;
        let client = client_for(backend.addr);
        Self::with_client(backend, client).await
    }

    pub async fn with_client(backend: TestServer, client: SupportClient) -> Self {
        let tg = FakeTelegram::start().await;
        Self {
            bot: tg.bot(),
            tg,
            backend,
            client,
            languages: Texts::default().into(),
            options: SupportOptions::default(),
            storage: InMemStorage::<SupportState>::new().erase(),
            handler: support_bot::handler(),
            next_update: 1.into(),
            user_fields: Default::default(),
        }
    }

    /// A fresh `update_id`.
    pub fn next_update_id(&self) -> i64 {
        self.update_id()
    }

    fn update_id(&self) -> i64 {
        self.next_update
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs an update through `handler` with the support dependencies.
    pub async fn dispatch_with(
        &self,
        handler: &UpdateHandler<HostError>,
        update: Update,
    ) -> ControlFlow<Result<(), HostError>> {
        let mut deps = support_bot::dependencies(
            self.client.clone(),
            self.languages.clone(),
            self.options.clone(),
            self.storage.clone(),
        );
        deps.insert(self.bot.clone());
        deps.insert(update);
        match handler.dispatch(deps).await {
            ControlFlow::Break(r) => ControlFlow::Break(r),
            ControlFlow::Continue(_) => ControlFlow::Continue(()),
        }
    }

    pub async fn dispatch(&self, update: Update) -> ControlFlow<Result<(), HostError>> {
        self.dispatch_with(&self.handler, update).await
    }

    /// Sets the Telegram `language_code` the fake `user` sends with every update.
    pub fn set_language(&self, user: i64, code: &str) {
        self.set_from(user, "language_code", json!(code));
    }

    /// Sets a field of the `from` the fake `user` sends with every update (`first_name`,
    /// `username`, ...).
    pub fn set_from(&self, user: i64, key: &str, value: serde_json::Value) {
        self.user_fields
            .lock()
            .unwrap()
            .entry(user)
            .or_default()
            .insert(key.to_owned(), value);
    }

    /// The `from` of the fake `user`'s updates.
    pub fn from(&self, user: i64) -> serde_json::Value {
        let mut from = json!({"id": user, "is_bot": false, "first_name": "User"});
        if let Some(fields) = self.user_fields.lock().unwrap().get(&user) {
            for (key, value) in fields {
                from[key] = value.clone();
            }
        }
        from
    }

    /// The JSON of a message `text` from `user` in their private chat (no `update_id`).
    pub fn text_json(&self, user: i64, text: &str) -> serde_json::Value {
        json!({
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": user, "type": "private", "first_name": "User"},
                "from": self.from(user),
                "text": text,
            }
        })
    }

    /// The JSON of a press on `data` under the bot's message `message_id` (no `update_id`).
    pub fn press_json(&self, user: i64, data: &str, message_id: i64) -> serde_json::Value {
        json!({
            "callback_query": {
                "id": format!("cb{}", self.update_id()),
                "from": self.from(user),
                "chat_instance": "42",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1_700_000_000,
                    "chat": {"id": user, "type": "private", "first_name": "User"},
                    "from": {"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot"},
                    "text": "screen",
                }
            }
        })
    }

    /// A push listener on this harness's fake Telegram, server, languages and dialogue storage,
    /// reconnecting quickly.
    pub fn push_listener(&self) -> support_bot::PushListener {
        support_bot::PushListener::new(
            self.tg.bot(),
            self.client.clone(),
            self.languages.clone(),
            self.storage.clone(),
        )
        .backoff(Duration::from_millis(50), Duration::from_millis(200))
    }

    /// The user answers the bot's message that `sent` recorded with a Telegram reply: `text`
    /// with `reply_to_message` as Telegram gives it (the bot's message, with its buttons).
    pub fn reply_update(&self, user: i64, text: &str, sent: &Call) -> Update {
        let mut value = self.text_json(user, text);
        let mut replied = json!({
            "message_id": sent.message_id(),
            "date": 1_700_000_000,
            "chat": {"id": user, "type": "private", "first_name": "User"},
            "from": {"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot"},
            "text": sent.text(),
        });
        if !sent.body["reply_markup"].is_null() {
            replied["reply_markup"] = sent.body["reply_markup"].clone();
        }
        value["message"]["reply_to_message"] = replied;
        value["update_id"] = json!(self.update_id());
        update(&value)
    }

    /// The user types `text` in their private chat.
    pub fn text_update(&self, user: i64, text: &str) -> Update {
        let mut value = self.text_json(user, text);
        value["update_id"] = json!(self.update_id());
        update(&value)
    }

    /// The user presses a button with `data` under the bot's message `message_id`.
    pub fn press_update(&self, user: i64, data: &str, message_id: i64) -> Update {
        let mut value = self.press_json(user, data, message_id);
        value["update_id"] = json!(self.update_id());
        update(&value)
    }

    pub async fn type_text(&self, user: i64, text: &str) -> ControlFlow<Result<(), HostError>> {
        self.dispatch(self.text_update(user, text)).await
    }

    pub async fn press(&self, user: i64, data: &str) -> ControlFlow<Result<(), HostError>> {
        self.dispatch(self.press_update(user, data, 77)).await
    }

    /// The stored dialogue state of a chat.
    pub async fn state(&self, user: i64) -> SupportState {
        self.storage
            .clone()
            .get_dialogue(ChatId(user))
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Resolves or reopens a ticket through the client (as a manager's console would); returns
    /// the ticket.
    pub async fn set_resolved(&self, id: TicketId, resolved: bool) -> Ticket {
        let patch = TicketPatch {
            resolved: Some(resolved),
            ..TicketPatch::default()
        };
        self.client.update_ticket(id, &patch).await.unwrap()
    }

    /// Opens `n` tickets for `user` through the client; returns them oldest first.
    pub async fn tickets(&self, user: i64, n: usize) -> Vec<Ticket> {
        let mut out = Vec::new();
        for i in 0..n {
            out.push(
                self.client
                    .create_ticket(
                        TelegramId::new(user),
                        &format!("Ticket {i}"),
                        &format!("first {i}"),
                    )
                    .await
                    .unwrap(),
            );
        }
        out
    }
}

pub fn update(value: &serde_json::Value) -> Update {
    // From text, not `from_value`: teloxide's `Update` parses a `Value` into `UpdateKind::Error`.
    let update: Update = serde_json::from_str(&value.to_string()).expect("a valid update");
    assert!(
        !matches!(update.kind, teloxide::types::UpdateKind::Error(_)),
        "unparsed update {value}"
    );
    update
}

pub fn assert_taken(flow: &ControlFlow<Result<(), HostError>>) {
    match flow {
        ControlFlow::Break(Ok(())) => {}
        other => panic!("support did not take the update: {other:?}"),
    }
}

pub fn assert_passed(flow: &ControlFlow<Result<(), HostError>>) {
    assert!(
        matches!(flow, ControlFlow::Continue(())),
        "support took an update that is not its own"
    );
}

/// Installs a test log subscriber once (RUST_LOG to see it).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
