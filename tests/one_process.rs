//! The one-process example (`examples/one_process/`) as a real process against the test kit's
//! fake Telegram Bot API: it calls `setWebhook` with the configured URL and secret; updates
//! posted to the webhook path on its one port, with the secret, go through the support dialogue
//! (the bot answers through the fake) to a ticket and a message in the REST API on that same
//! port; calls without the right secret are refused and change nothing; a manager's REST reply
//! is pushed to the user's chat; `/healthz` answers there too; SIGTERM stops it cleanly without
//! deleting the webhook. Its settings are checked too, through its `config.rs`.
#![cfg(all(unix, feature = "sqlite", feature = "bot"))]

#[path = "../examples/one_process/config.rs"]
#[allow(dead_code, unreachable_pub)]
mod config;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support_testkit::{Call, FakeTelegram, POLL, WAIT};

const WEBHOOK_URL: &str = "https://bot.example.test/telegram/webhook";
const SECRET: &str = "s3cret-Token_42";
/// The bot's token, the manager's password and the server's bot token.
const TELEGRAM_TOKEN: &str = "123:tEleGram";
const PASSWORD: &str = "pa55word";
const SUPPORT_TOKEN: &str = "sUpport-t0ken";
/// The user who writes to the bot, and one whose updates are forged.
const USER: i64 = 1001;
const INTRUDER: i64 = 2002;

/// The example, built by `cargo test` with this test (its required features are this file's).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/one_process-<hash> -> target/<profile>/examples/one_process
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("one_process{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test -p chatlabs-support --features sqlite,bot`, which \
         builds the examples (`--test one_process` alone does not, nor rebuilds a stale one)",
        bin.display()
    );
    bin
}

/// The example with every variable set (and any the environment had for it removed).
fn command(tg: &FakeTelegram, dir: &Path) -> Command {
    let mut command = Command::new(binary());
    for var in ["WEBHOOK_PATH", "SUPPORT_TRUSTED_PROXIES"] {
        command.env_remove(var);
    }
    command
        .env("TELOXIDE_TOKEN", TELEGRAM_TOKEN)
        .env("TELOXIDE_API_URL", format!("http://{}/", tg.addr))
        .env("WEBHOOK_URL", WEBHOOK_URL)
        .env("WEBHOOK_SECRET", SECRET)
        .env("SUPPORT_BIND", "127.0.0.1:0")
        .env(
            "SUPPORT_DATABASE",
            format!("sqlite://{}", dir.join("support.db").display()),
        )
        .env("SUPPORT_DIALOGUE_DB", dir.join("dialogues.db"))
        .env("SUPPORT_MANAGER", format!("anna:{PASSWORD}"))
        .env("SUPPORT_BOT_TOKEN", SUPPORT_TOKEN)
        // Everything logged, to show that no secret is, even so.
        .env("RUST_LOG", "trace");
    command
}

/// The running example, with what it wrote to stdout and stderr; killed if a failing test
/// drops it.
struct Process {
    child: Option<Child>,
    output: Arc<Mutex<String>>,
    /// The threads copying stderr and stdout into `output`.
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Copies `from` into `output`, line by line, on a thread of its own, until it closes.
fn collect(
    from: impl std::io::Read + Send + 'static,
    output: &Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    let output = Arc::clone(output);
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let mut output = output.lock().unwrap();
            output.push_str(&line);
            output.push('\n');
        }
    })
}

/// Starts the example and returns it with the `http://host:port` it printed first.
async fn start(tg: &FakeTelegram, dir: &Path) -> (Process, String) {
    let mut child = command(tg, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let output = Arc::new(Mutex::new(String::new()));
    let stderr = collect(child.stderr.take().unwrap(), &output);
    let stdout = child.stdout.take().unwrap();
    // Read off the runtime: the example calls the fake (getMe) before it prints.
    let first = Arc::clone(&output);
    let line = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        first.lock().unwrap().push_str(&line);
        (line, collect(reader, &first))
    });
    let (line, stdout) = tokio::time::timeout(WAIT, line).await.unwrap().unwrap();
    let base = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches(':');
    let process = Process {
        child: Some(child),
        output,
        readers: vec![stderr, stdout],
    };
    (process, format!("http://{base}"))
}

/// Sends SIGTERM, waits for a successful exit, and returns what the example wrote.
async fn sigterm(mut process: Process) -> String {
    let child = process.child.as_mut().unwrap();
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Polled, not waited for on a blocking thread: a process that does not stop must fail the
    // test (and be killed by `Process`'s drop), not hang it.
    let deadline = tokio::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the example did not exit within {WAIT:?} of SIGTERM"
        );
        tokio::time::sleep(POLL).await;
    };
    assert!(status.success(), "exit status {status}");
    process.child = None;
    // The exit closed both pipes: the readers end, with everything read.
    let readers = std::mem::take(&mut process.readers);
    tokio::task::spawn_blocking(move || readers.into_iter().for_each(|r| r.join().unwrap()))
        .await
        .unwrap();
    process.output.lock().unwrap().clone()
}

/// A message `text` from `user` in their private chat.
fn text(user: i64, update_id: i64, text: &str) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": "User"},
        "from": {"id": user, "is_bot": false, "first_name": "User", "language_code": "en"},
        "text": text,
    }})
}

/// A press on `data` under the bot's message `message_id`.
fn press(user: i64, update_id: i64, data: &str, message_id: i64) -> Value {
    json!({"update_id": update_id, "callback_query": {
        "id": format!("cb{update_id}"), "chat_instance": "42", "data": data,
        "from": {"id": user, "is_bot": false, "first_name": "User", "language_code": "en"},
        "message": {
            "message_id": message_id, "date": 1_700_000_000,
            "chat": {"id": user, "type": "private", "first_name": "User"},
            "from": {"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot"},
            "text": "screen",
        },
    }})
}

/// Posts `update` to the webhook as Telegram does, with `secret` if any; the HTTP status.
async fn post(http: &reqwest::Client, base: &str, update: &Value, secret: Option<&str>) -> u16 {
    let mut request = http.post(format!("{base}/telegram/webhook")).json(update);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

/// The `n`-th successful call of `method` to `user`'s chat, waited for.
async fn nth(tg: &FakeTelegram, method: &str, user: i64, n: usize) -> Call {
    let to_user = |c: &&Call| c.method == method && !c.failed && c.chat_id() == user;
    let calls = tg
        .wait_for(WAIT, |calls| calls.iter().filter(to_user).count() >= n)
        .await;
    calls.iter().filter(to_user).nth(n - 1).unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_port_serves_the_webhook_the_support_api_and_push() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let (process, base) = start(&tg, dir.path()).await;
    let http = reqwest::Client::new();

    // setWebhook: the public URL and the secret, every update kind, nothing dropped.
    let set = tg
        .wait_for(WAIT, |c| c.iter().any(|c| c.method == "setwebhook"))
        .await
        .into_iter()
        .find(|c| c.method == "setwebhook")
        .unwrap();
    assert_eq!(set.body["url"], WEBHOOK_URL, "{:?}", set.body);
    assert_eq!(set.body["secret_token"], SECRET);
    assert_eq!(set.body["allowed_updates"], json!([]));
    assert_eq!(set.body["drop_pending_updates"], "false");

    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    // Forged updates: no secret, a wrong one, a longer one. Refused before the dispatcher.
    let forged = text(INTRUDER, 1, "/support");
    assert_eq!(post(&http, &base, &forged, None).await, 401);
    assert_eq!(
        post(&http, &base, &forged, Some("s3cret-Token_41")).await,
        401
    );
    assert_eq!(
        post(&http, &base, &forged, Some(&format!("{SECRET}x"))).await,
        401
    );

    // The support dialogue, each update posted to the webhook with the secret.
    assert_eq!(
        post(&http, &base, &text(USER, 2, "/support"), Some(SECRET)).await,
        200
    );
    let menu = nth(&tg, "sendmessage", USER, 1).await;
    assert!(
        menu.callback_data().contains(&"sup:n".to_owned()),
        "{menu:?}"
    );
    let new = press(USER, 3, "sup:n", menu.message_id());
    assert_eq!(post(&http, &base, &new, Some(SECRET)).await, 200);
    nth(&tg, "editmessagetext", USER, 1).await;
    let title = text(USER, 4, "Card charged twice");
    assert_eq!(post(&http, &base, &title, Some(SECRET)).await, 200);
    nth(&tg, "sendmessage", USER, 2).await;
    let body = text(USER, 5, "Please refund one");
    assert_eq!(post(&http, &base, &body, Some(SECRET)).await, 200);
    let confirm = nth(&tg, "sendmessage", USER, 3).await;
    let yes = confirm.callback_data()[0].clone();
    assert!(yes.starts_with("sup:ny:"), "{confirm:?}");
    let create = press(USER, 6, &yes, confirm.message_id());
    assert_eq!(post(&http, &base, &create, Some(SECRET)).await, 200);
    nth(&tg, "sendmessage", USER, 4).await;

    // The ticket and its message, in the REST API on the same port, seen by the manager.
    let token: Value = http
        .post(format!("{base}/support/auth/token/"))
        .json(&json!({"username": "anna", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().expect("a manager token").to_owned();
    let get = |path: String| {
        let request = http.get(format!("{base}{path}")).bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let tickets = get("/support/tickets/".to_owned()).await;
    let tickets = tickets.as_array().expect("a list of tickets");
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["title"], "Card charged twice");
    assert_eq!(tickets[0]["user"]["telegram_id"], USER, "{tickets:?}");
    let id = tickets[0]["id"].as_i64().unwrap();
    let messages = get(format!("/support/tickets/{id}/messages/")).await;
    let messages = messages.as_array().expect("a list of messages");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["text"], "Please refund one");
    assert_eq!(messages[0]["sender"], "user");

    // A manager's reply is pushed to the user's chat by the bot in the same process.
    let reply = http
        .post(format!("{base}/support/tickets/{id}/messages/"))
        .bearer_auth(&token)
        .json(&json!({"text": "Refunded, sorry!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let pushed = tg
        .wait_for(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendmessage"
                    && c.chat_id() == USER
                    && c.text().contains("Refunded, sorry!")
            })
        })
        .await;

    // The forged updates reached nobody: no call to the intruder's chat (and the one ticket
    // above is the user's).
    assert!(
        pushed.iter().all(|c| c.chat_id() != INTRUDER),
        "{pushed:#?}"
    );

    // SIGTERM: a clean exit, and the webhook stays set (Telegram keeps the updates meanwhile).
    let output = sigterm(process).await;
    assert!(
        tg.calls().iter().all(|c| c.method != "deletewebhook"),
        "{:#?}",
        tg.calls()
    );
    // Nothing it printed or logged, at the trace level, shows a secret.
    assert!(
        output.contains("webhook set"),
        "the log was captured: {output}"
    );
    for secret in [SECRET, TELEGRAM_TOKEN, PASSWORD, SUPPORT_TOKEN] {
        let lines: Vec<&str> = output.lines().filter(|l| l.contains(secret)).collect();
        assert!(lines.is_empty(), "{secret:?} in the output: {lines:#?}");
    }
}

#[test]
fn a_bad_setting_stops_the_start_naming_the_variable_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    // A fake nobody listens on: the example must stop before calling it.
    let output = Command::new(binary())
        .env("TELOXIDE_TOKEN", "123:test")
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
        .env("WEBHOOK_URL", WEBHOOK_URL)
        .env("WEBHOOK_SECRET", "no spaces-Hunter2")
        .env("SUPPORT_DIALOGUE_DB", dir.path().join("d.db"))
        .env("SUPPORT_DATABASE", "memory:")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("WEBHOOK_SECRET"), "{stderr}");
    assert!(!stderr.contains("Hunter2"), "{stderr}");
}

fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn settings_default_to_a_generated_secret_and_the_urls_path() {
    let vars = [
        ("TELOXIDE_TOKEN", "1:x"),
        ("WEBHOOK_URL", "https://h.test/tg/hook"),
    ];
    let a = config::Config::from_lookup(lookup(&vars)).unwrap();
    let b = config::Config::from_lookup(lookup(&vars)).unwrap();
    assert_eq!(a.webhook_path, "/tg/hook");
    assert_eq!(a.bind.to_string(), "127.0.0.1:8000");
    assert!(a.webhook_secret_generated);
    assert_eq!(a.webhook_secret.expose().len(), 32);
    assert_ne!(a.webhook_secret, b.webhook_secret, "random at each start");
    assert_ne!(a.support_token, b.support_token);
    // Debug shows no secret, nor the webhook's path (it may be a secret one).
    let debug = format!("{a:?}");
    assert!(debug.contains("https://h.test/[path hidden]"), "{debug}");
    assert!(!debug.contains("/tg/hook"), "{debug}");
    assert!(!debug.contains(a.webhook_secret.expose()), "{debug}");
    assert!(!debug.contains(a.support_token.expose()), "{debug}");
    assert!(
        !debug.contains("support.db"),
        "the database URL is hidden: {debug}"
    );
}

#[test]
fn settings_refuse_what_would_break_the_app() {
    let refused = |extra: &[(&str, &str)]| {
        let mut vars = vec![
            ("TELOXIDE_TOKEN", "1:x"),
            ("WEBHOOK_URL", "https://h.test/hook"),
        ];
        vars.extend_from_slice(extra);
        config::Config::from_lookup(lookup(&vars)).unwrap_err().var
    };
    // A path support already serves, or one axum would read as a pattern.
    for path in [
        "/support",
        "/support/hook",
        "/ws/x",
        "/healthz",
        "/tg/{id}",
        "hook",
    ] {
        assert_eq!(refused(&[("WEBHOOK_PATH", path)]), "WEBHOOK_PATH", "{path}");
    }
    // A secret Telegram would refuse (teloxide would panic), an empty one included.
    for secret in ["", "with space", "ü", &"x".repeat(257)] {
        assert_eq!(refused(&[("WEBHOOK_SECRET", secret)]), "WEBHOOK_SECRET");
    }
    assert_eq!(refused(&[("SUPPORT_MANAGER", "anna")]), "SUPPORT_MANAGER");
    assert_eq!(refused(&[("SUPPORT_BIND", "localhost")]), "SUPPORT_BIND");
    assert_eq!(
        refused(&[("SUPPORT_TRUSTED_PROXIES", "proxy")]),
        "SUPPORT_TRUSTED_PROXIES"
    );
    let no_url = config::Config::from_lookup(lookup(&[("TELOXIDE_TOKEN", "1:x")]));
    assert_eq!(no_url.unwrap_err().var, "WEBHOOK_URL");
    let no_token = config::Config::from_lookup(lookup(&[("WEBHOOK_URL", "https://h.test/")]));
    assert_eq!(no_token.unwrap_err().var, "TELOXIDE_TOKEN");
    // Accepted: the longest secret, a proxy list, managers.
    let ok = [
        ("TELOXIDE_TOKEN", "1:x"),
        ("WEBHOOK_URL", "https://h.test/hook"),
        ("WEBHOOK_SECRET", &"a".repeat(256)),
        ("SUPPORT_TRUSTED_PROXIES", "10.0.0.1, ::1"),
        ("SUPPORT_MANAGER", "anna:pa:ss,boris:x"),
    ];
    let config = config::Config::from_lookup(lookup(&ok)).unwrap();
    assert_eq!(config.trusted_proxies.len(), 2);
    assert_eq!(config.managers[0].password.expose(), "pa:ss");
    assert_eq!(config.managers[1].username, "boris");
}
