//! CI smoke test: the whole load generator against an in-process server (memory storage) with
//! tiny counts, plus the no-op ceiling as a subprocess. It checks that every scenario runs and
//! reports, never how fast anything is (the targets are checked by the benchmark, not by tests).

use std::sync::Arc;
use std::time::Duration;

use support_bench::auth::{Credentials, LoginKind};
use support_bench::runner::{RunConfig, Scenarios, ServerSpec, run};
use support_server::SupportServer;
use support_server::storage::{DynStorage, MemoryStorage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_with_tiny_counts() -> anyhow::Result<()> {
    let storage: DynStorage = Arc::new(MemoryStorage::new());
    for (user, password) in [("smoke", "smoke-pass-1"), ("smoke2", "smoke-pass-2")] {
        support_server::auth::create_or_update_manager(&storage, user, password, "", "").await?;
    }
    let server = SupportServer::builder()
        .shared_storage(storage)
        .bot_token("smoke-token")
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app: axum::Router = server.router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let config = RunConfig {
        label: "smoke".into(),
        server: ServerSpec::External {
            base_url: format!("http://{addr}/support"),
            pid: Some(std::process::id()),
        },
        bot_token: Some("smoke-token".into()),
        login: LoginKind::Json,
        managers: vec![
            "smoke:smoke-pass-1".parse::<Credentials>()?,
            "smoke2:smoke-pass-2".parse::<Credentials>()?,
        ],
        django_login_path: "/admin/login/".into(),
        levels: vec![1, 4],
        duration: Duration::from_millis(300),
        warmup: Duration::from_millis(100),
        tickets: 4,
        e2e_samples: 20,
        e2e_gap: Duration::from_millis(1),
        e2e_load_clients: 2,
        fanout: vec![5],
        fanout_rounds: 2,
        source_ips: 2,
        noop_program: Some(env!("CARGO_BIN_EXE_loadgen").into()),
        scenarios: Scenarios {
            rest: true,
            e2e: true,
            fanout: true,
            ceiling: true,
        },
        settle: Duration::from_millis(50),
        data_dir: std::env::temp_dir().join(format!("support-bench-smoke-{}", std::process::id())),
    };
    let report = tokio::time::timeout(Duration::from_secs(60), run(&config)).await??;
    let table = report.table();
    println!("{table}");

    assert_eq!(report.rest.len(), 2);
    assert!(
        report.rest.iter().all(|r| r.ok > 0 && r.errors == 0),
        "{table}"
    );
    assert_eq!(report.ceiling.len(), 2);
    assert!(report.ceiling.iter().all(|r| r.ok > 0), "{table}");
    let low = report.e2e_low_rate.as_ref().expect("e2e at a low rate");
    assert_eq!((low.latency.count, low.timeouts), (20, 0), "{table}");
    let under = report.e2e_under_load.as_ref().expect("e2e under load");
    assert_eq!(under.e2e.timeouts, 0, "{table}");
    assert!(under.load.ok > 0, "{table}");
    let fanout = &report.fanout[0];
    assert_eq!(
        (fanout.connected, fanout.incomplete_rounds),
        (5, 0),
        "{table}"
    );
    assert_eq!(fanout.all_received.count, 2, "{table}");
    assert!(report.idle_rss_kib.is_some());
    let json = serde_json::to_value(&report)?;
    assert!(json["rest"][0]["latency"]["p99_ms"].is_number());
    let _ = std::fs::remove_dir_all(&config.data_dir);
    Ok(())
}
