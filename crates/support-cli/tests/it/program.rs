//! The program as a user meets it: help, version, bad flags, REST and websockets across restarts,
//! the README's quick start, logs, and password changes.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use futures_util::StreamExt;
use support_testkit::PgSchema;
use support_testkit::services::{postgres_url, redis_url};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::process::*;

/// Secrets given through the environment: the variable, its value, the secret part of it.
const SECRET_ENV: [(&str, &str, &str); 4] = [
    ("SUPPORT_BOT_TOKEN", "bot-token-Zq7xKp", "Zq7xKp"),
    ("SUPPORT_MANAGER", "anna:manager-password-Wm4tRj", "Wm4tRj"),
    (
        "SUPPORT_DATABASE",
        "postgres://support:db-password-Hy8cNv@db/support",
        "Hy8cNv",
    ),
    (
        "SUPPORT_HUB",
        "redis://:hub-password-Bx2sLe@cache:6379",
        "Bx2sLe",
    ),
];

#[test]
fn help_names_the_variables_but_never_shows_their_secret_values() {
    for flag in ["--help", "-h"] {
        let output = program()
            .arg(flag)
            .envs(SECRET_ENV.map(|(var, value, _)| (var, value)))
            .env("SUPPORT_HUB_CHANNEL", "a-channel")
            .output()
            .unwrap();
        assert!(output.status.success(), "{flag}: {output:?}");
        let help = String::from_utf8(output.stdout).unwrap();
        for (var, _, secret) in SECRET_ENV {
            assert!(help.contains(var), "{flag}: {var} is named:\n{help}");
            assert!(
                !help.contains(secret),
                "{flag}: {var}'s value shown:\n{help}"
            );
        }
        // A value that is no secret is still shown.
        assert!(help.contains("a-channel"), "{flag}:\n{help}");
        // The resource limits, with their variables.
        for var in [
            "SUPPORT_HEADER_READ_TIMEOUT",
            "SUPPORT_IDLE_TIMEOUT",
            "SUPPORT_MAX_CONNECTIONS",
            "SUPPORT_LOGIN_MEMORY_MIB",
            "SUPPORT_PUBLISH_TIMEOUT_MS",
        ] {
            assert!(help.contains(var), "{flag}: {var} is named:\n{help}");
        }
        // Operators' help, not the specification's: no `[S3]`, `[A2]`, `(SPEC A3)`.
        assert!(
            !help.contains("SPEC") && !help.contains("[S3]"),
            "{flag}:\n{help}"
        );
    }
}

#[test]
fn version_prints_the_package_version() {
    let output = program().arg("--version").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        format!("chatlabs-support-server {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Starts the program with `--hub hub`, which must fail, and returns what it wrote to stderr.
fn refused_start_with_hub(hub: &str) -> String {
    let output = program()
        .args(["--bind", "127.0.0.1:0", "--database", "memory:"])
        .args(["--hub", hub])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bad_hub_value_is_refused_at_start() {
    let stderr = refused_start_with_hub("nats://user:secret@127.0.0.1:4222");
    assert!(
        stderr.contains("--hub") && stderr.contains("expected `local`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "the password is not shown: {stderr}"
    );
    assert!(stderr.contains("***"), "{stderr}");

    // An unreachable broker: a clear error, not a hang.
    if cfg!(feature = "redis") {
        let stderr = refused_start_with_hub("redis://127.0.0.1:1");
        assert!(stderr.contains("event hub"), "{stderr}");
    }
}

#[test]
fn a_pool_too_small_or_too_large_is_refused_at_start() {
    for size in ["0", "1", "1001", "ten"] {
        let output = program()
            .args(["--bind", "127.0.0.1:0", "--database", "memory:"])
            .args(["--database-pool", size])
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{size}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--database-pool"), "{size}: {stderr}");
    }
}

/// `--compat-line 1.2` (or `SUPPORT_COMPAT_LINE`) answers as the original's 1.2.0 line: an
/// unviewed ticket lists before a later one the team has seen. The default is 0.1.5's newest
/// first; an unknown line is refused at start, naming the flag and the choices.
#[tokio::test]
async fn the_compat_line_chooses_the_original_line_to_answer_like() {
    let http = reqwest::Client::new();
    let titles = |tickets: serde_json::Value| -> Vec<String> {
        tickets
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    for (line, via_env, want) in [
        (None, false, ["seen", "new"]),
        (Some("1.2"), false, ["new", "seen"]),
        (Some("1.2.0"), true, ["new", "seen"]),
        (Some("0.1.5"), false, ["seen", "new"]),
    ] {
        let mut command = program();
        command.args([
            "--bind",
            "127.0.0.1:0",
            "--database",
            "memory:",
            "--bot-token",
            "T",
        ]);
        match (line, via_env) {
            (Some(l), false) => {
                command.args(["--compat-line", l]);
            }
            (Some(l), true) => {
                command.env("SUPPORT_COMPAT_LINE", l);
            }
            (None, _) => {}
        }
        let (_server, lines) = start_command(command);
        let base = format!("http://{}/support", address_in(&lines[0]));
        for (user, title) in [(1, "new"), (2, "seen")] {
            let created: serde_json::Value = http
                .post(format!("{base}/tickets/"))
                .bearer_auth("T")
                .json(&serde_json::json!({"user_id": user, "title": title, "text": "hi"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if title == "seen" {
                let id = created["id"].as_i64().unwrap();
                let r = http
                    .patch(format!("{base}/tickets/{id}/"))
                    .bearer_auth("T")
                    .json(&serde_json::json!({"viewed": true}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        }
        let list = http
            .get(format!("{base}/tickets/"))
            .bearer_auth("T")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(titles(list), want, "line {line:?}");
    }

    let output = program()
        .args(["--bind", "127.0.0.1:0", "--database", "memory:"])
        .args(["--compat-line", "2.0"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--compat-line") && stderr.contains("0.1.5, 1.2"),
        "{stderr}"
    );
}

/// Two instances of the program on one Postgres database, first with the Postgres hub, then
/// with the Redis hub: a ticket and a message created through one reach a manager connected
/// to the other \[S3\].
#[cfg(feature = "postgres")]
#[tokio::test]
async fn two_instances_share_the_database_and_the_hub() {
    let test = "two_instances_share_the_database_and_the_hub";
    let Some(pg) = postgres_url(test) else {
        return;
    };
    // Dropped at the end, or when the test fails.
    let schema = PgSchema::create_named(&pg, "support_program_").await;
    let db = schema_database(&pg, &schema);
    let mut hubs = vec![("postgres", db.clone())];
    if cfg!(feature = "redis")
        && let Some(redis) = redis_url(test)
    {
        hubs.push(("redis", redis));
    }
    for (kind, hub) in hubs {
        across_instances(&db, &hub, &format!("{}_{kind}", schema.name), kind).await;
    }
    schema.drop().await;
}

async fn across_instances(db: &str, hub: &str, channel: &str, kind: &str) {
    let http = reqwest::Client::new();
    let args = ["--hub", hub, "--hub-channel", channel];
    // The posting instance on a small pool of its own: group commit needs no more.
    let (a, addr_a) = start_with(db, &[&args[..], &["--database-pool", "3"]].concat());
    let (b, addr_b) = start_with(db, &args);
    let mut ws_b = manager_socket(&http, &addr_b).await;
    let title = format!("through the {kind} hub");
    let created: serde_json::Value = bot_post(
        &http,
        format!("http://{addr_a}/support/tickets/"),
        &serde_json::json!({"user_id": 1001, "title": title}),
    )
    .await;
    let event = next_text(&mut ws_b).await;
    assert_eq!(event["type"], "ticket.created", "{kind}: {event}");
    assert_eq!(event["ticket"]["id"], created["id"]);
    assert_eq!(event["ticket"]["title"], title.as_str());
    let message: serde_json::Value = bot_post(
        &http,
        format!(
            "http://{addr_a}/support/tickets/{}/messages/",
            created["id"]
        ),
        &serde_json::json!({"text": "<b>hi</b> from a"}),
    )
    .await;
    let event = next_text(&mut ws_b).await;
    assert_eq!(event["type"], "ticket.message.new", "{kind}: {event}");
    assert_eq!(event["message"]["id"], message["id"]);
    assert_eq!(event["message"]["text"], "<b>hi</b> from a");
    sigterm_and_wait(a);
    sigterm_and_wait(b);
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn the_program_serves_rest_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let http = reqwest::Client::new();

    let (child, addr) = start(&db);

    // Log in as the manager given with --manager and open the manager websocket with the cookie.
    let mut ws = manager_socket(&http, &addr).await;

    let created: serde_json::Value = bot_post(
        &http,
        format!("http://{addr}/support/tickets/"),
        &serde_json::json!({"user_id": 1001, "title": "from the program", "text": "hello"}),
    )
    .await;
    let anon = http
        .get(format!("http://{addr}/support/tickets/"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let event = next_text(&mut ws).await;
    assert_eq!(event["type"], "ticket.created");
    assert_eq!(event["ticket"]["id"], created["id"]);

    sigterm_and_wait(child);
    // The websocket was closed with 1001 (going away).
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1001));

    let (child, addr) = start(&db);
    let ticket: serde_json::Value = http
        .get(format!("http://{addr}/support/tickets/{}/", created["id"]))
        .bearer_auth("T")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["title"], "from the program");
    assert_eq!(ticket["unread_count"], 1);
    sigterm_and_wait(child);
}

/// The server command of the workspace README's quick start: the arguments after
/// `cargo run -p chatlabs-support-server --` on its first line that starts so (a trailing
/// `# comment` left out). Read from the README itself, so a change there reaches this test.
fn readme_server_args() -> Vec<String> {
    const PREFIX: &str = "cargo run -p chatlabs-support-server -- ";
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the workspace README");
    let line = readme
        .lines()
        .find(|line| line.starts_with(PREFIX))
        .unwrap_or_else(|| panic!("no line starting with {PREFIX:?} in README.md"));
    let command = line[PREFIX.len()..].split('#').next().unwrap_or_default();
    command.split_whitespace().map(str::to_owned).collect()
}

/// The text between the first two `"` after `marker` in `line`.
fn quoted_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let rest = &rest[rest.find('"')? + 1..];
    Some(&rest[..rest.find('"')?])
}

/// The README's quick start, as a newcomer runs it: its server command in an empty directory,
/// with nothing configured (only the port is a free one, through `SUPPORT_BIND`, since 8000 may
/// be taken). The start-up output names the console, the generated `admin` and its password,
/// and what the bot needs; those credentials log into the console.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn the_readme_quick_start_runs_and_its_printed_login_works() {
    let args = readme_server_args();
    assert!(
        !args
            .iter()
            .any(|a| a.starts_with("--database") || a.starts_with("--manager")),
        "the quick start runs on the SQLite default with a generated admin: {args:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut command = program();
    for (var, _) in std::env::vars() {
        if var.starts_with("SUPPORT_") || var == "RUST_LOG" {
            command.env_remove(var);
        }
    }
    let mut child = command
        .args(&args)
        .current_dir(dir.path())
        .env("SUPPORT_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(Some(child));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut output = Vec::new();
    while !output.iter().any(|l: &String| l.starts_with("health:")) {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => output.push(line),
            Err(err) => panic!("{err}: the start-up output so far: {output:#?}"),
        }
    }
    let find = |start: &str| {
        output
            .iter()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with {start:?} in {output:#?}"))
            .clone()
    };
    let console = find("manager console: ");
    let console_url = console.trim().trim_start_matches("manager console: ");
    let (origin, path) = console_url
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(host, path)| (format!("http://{host}"), format!("/{path}")))
        .unwrap_or_else(|| panic!("no console URL in {console:?}"));
    let mount = path
        .strip_suffix("/manager/")
        .unwrap_or_else(|| panic!("{path:?} is no console path"));
    let login = find("log in as ");
    let username = quoted_after(&login, "log in as").expect("the user");
    let password = quoted_after(&login, "with password").expect("the password");
    assert_eq!(username, "admin", "{login}");
    assert!(login.contains("generated"), "{login}");
    let bot = find("bot: ");
    assert!(
        bot.contains("BACKEND_TOKEN") && bot.contains("--bot-token"),
        "{bot}"
    );
    assert!(
        dir.path().join("support.db").is_file(),
        "the SQLite default, in the current directory"
    );

    let http = reqwest::Client::new();
    let page = http.get(console_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "{console_url}");
    let response = http
        .post(format!("{origin}{mount}/auth/login/"))
        .header("origin", &origin)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    // Health is on in the program.
    for path in ["/healthz", "/readyz"] {
        let response = http.get(format!("{origin}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    sigterm_and_wait(server);
}

/// `--log-format json`: log lines go to stderr, one JSON object each, and a request's lines carry
/// its `x-request-id` (the client's here), which the response echoes.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn json_logs_on_stderr_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let mut child = program()
        .args([
            "--bind",
            "127.0.0.1:0",
            "--database",
            &db,
            "--bot-token",
            "T",
        ])
        .args(["--log-format", "json"])
        // The access log (a line per request) is tower-http's, at debug.
        .env("RUST_LOG", "info,tower_http=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let server = Server(Some(child));
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/support/tickets/"))
        .header("authorization", "Bearer T")
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    // A request without an id gets a fresh one.
    let fresh = reqwest::get(format!("http://{addr}/support/tickets/"))
        .await
        .unwrap();
    assert_eq!(
        fresh.headers()["x-request-id"].to_str().unwrap().len(),
        36,
        "a UUID"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let line = loop {
        let line = received
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("a log line of the request on stderr");
        if line.contains("trace-me-42") {
            break line;
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(value["span"]["request_id"], "trace-me-42", "{value}");
    assert!(!line.contains('\u{1b}'), "no colour codes: {line}");
    sigterm_and_wait(server);
}

/// Restarting with the same `--manager` keeps a manager's cookie and bearer token; a new
/// password ends both (401).
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_new_manager_password_ends_sessions_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let http = reqwest::Client::new();
    let (child, addr) = start(&db);
    let credentials = serde_json::json!({"username": "anna", "password": "pa55word"});
    let login = http
        .post(format!("http://{addr}/support/auth/login/"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let token: serde_json::Value = http
        .post(format!("http://{addr}/support/auth/token/"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let statuses = |addr: String| {
        let (http, cookie, token) = (http.clone(), cookie.clone(), token.clone());
        async move {
            let me = format!("http://{addr}/support/auth/me/");
            let by_cookie = http.get(&me).header("cookie", cookie).send();
            let by_token = http.get(&me).bearer_auth(token).send();
            (
                by_cookie.await.unwrap().status().as_u16(),
                by_token.await.unwrap().status().as_u16(),
            )
        }
    };
    assert_eq!(statuses(addr).await, (200, 200));
    sigterm_and_wait(child);

    let (child, addr) = start(&db);
    assert_eq!(statuses(addr).await, (200, 200), "same password");
    sigterm_and_wait(child);

    let (child, addr) = start_with(&db, &["--manager", "anna:n3w-pass"]);
    assert_eq!(statuses(addr).await, (401, 401), "new password");
    sigterm_and_wait(child);
}

/// `--manager-name` names managers for their colleagues (`display_name`), the name stays when a
/// restart omits it, and naming an unknown manager stops the start with a clear error.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn managers_are_named_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let http = reqwest::Client::new();
    let me = |addr: String| {
        let http = http.clone();
        async move {
            let credentials = serde_json::json!({"username": "anna", "password": "pa55word"});
            let token: serde_json::Value = http
                .post(format!("http://{addr}/support/auth/token/"))
                .json(&credentials)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let me: serde_json::Value = http
                .get(format!("http://{addr}/support/auth/me/"))
                .bearer_auth(token["token"].as_str().unwrap())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            me
        }
    };
    let (child, addr) = start_with(&db, &["--manager-name", "anna=Анна <b>Петрова</b>"]);
    let shown = me(addr).await;
    assert_eq!(shown["first_name"], "Анна");
    assert_eq!(shown["last_name"], "<b>Петрова</b>");
    assert_eq!(shown["display_name"], "Анна <b>Петрова</b>");
    sigterm_and_wait(child);

    let (child, addr) = start(&db);
    assert_eq!(
        me(addr).await["display_name"],
        "Анна <b>Петрова</b>",
        "kept"
    );
    sigterm_and_wait(child);

    let output = program()
        .args(["--bind", "127.0.0.1:0", "--database", &db])
        .args(["--manager-name", "boris=Boris"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("boris"), "{stderr}");
}
