//! A host web app that nests the support router beside its own routes, with its own users table,
//! its own `UserDirectory` and its own manager authentication.
//!
//! ```sh
//! cargo run --example host_app            # http://127.0.0.1:8080
//! curl -H 'X-Host-Session: staff-session' http://127.0.0.1:8080/support/tickets/
//! ```
//!
//! The host keeps users in its own table (here a map; in a real app, its database). Telegram users
//! in that table may open tickets; users flagged as staff are support managers, recognised by the
//! host's own session header.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use support_server::SupportServer;
use support_server::auth::{AuthenticatedManager, ManagerAuth};
use support_server::directory::UserDirectory;
use support_server::protocol::{ManagerId, TelegramId};
use support_server::storage::{DynStorage, ManagerUpsert, SqliteStorage, StorageError};

/// A row of the host's users table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HostUser {
    /// The host's id.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Linked Telegram account, if any.
    pub telegram_id: Option<i64>,
    /// Staff members are support managers.
    pub staff: bool,
}

/// The host's users, and which session token belongs to whom.
#[derive(Debug, Default)]
pub struct HostUsers {
    users: Vec<HostUser>,
    sessions: HashMap<String, u32>,
    /// Host user id → support manager id.
    managers: HashMap<u32, ManagerId>,
}

/// Only Telegram users registered in the host's table may open tickets.
struct HostDirectory(Arc<HostUsers>);

#[async_trait]
impl UserDirectory for HostDirectory {
    async fn may_open_tickets(&self, user: TelegramId) -> Result<bool, StorageError> {
        Ok(self
            .0
            .users
            .iter()
            .any(|u| u.telegram_id == Some(user.get())))
    }
}

/// Staff members authenticate with the host's own session header.
struct HostManagerAuth(Arc<HostUsers>);

#[async_trait]
impl ManagerAuth for HostManagerAuth {
    async fn authenticate(
        &self,
        parts: &Parts,
    ) -> Result<Option<AuthenticatedManager>, StorageError> {
        let Some(token) = parts
            .headers
            .get("x-host-session")
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(None);
        };
        let manager = self
            .0
            .sessions
            .get(token)
            .and_then(|user| self.0.managers.get(user))
            .map(|id| AuthenticatedManager {
                id: *id,
                via_cookie: false,
            });
        Ok(manager)
    }
}

/// Builds the host's app over `storage`: its own routes plus the support router.
pub async fn build_app(storage: DynStorage) -> Result<Router, StorageError> {
    let mut users = HostUsers {
        users: vec![
            HostUser {
                id: 1,
                name: "Anna (support)".into(),
                telegram_id: None,
                staff: true,
            },
            HostUser {
                id: 2,
                name: "Boris".into(),
                telegram_id: Some(1001),
                staff: false,
            },
        ],
        sessions: HashMap::from([
            ("staff-session".to_owned(), 1),
            ("customer-session".to_owned(), 2),
        ]),
        managers: HashMap::new(),
    };
    // Every staff member is a support manager (no password: they log in through the host).
    for user in users.users.iter().filter(|u| u.staff) {
        let manager = storage
            .upsert_manager(ManagerUpsert {
                username: format!("host-user-{}", user.id),
                first_name: user.name.clone(),
                last_name: String::new(),
                password_hash: None,
            })
            .await?;
        users.managers.insert(user.id, manager.id);
    }
    let users = Arc::new(users);
    let support = SupportServer::builder()
        .shared_storage(storage)
        .user_directory(HostDirectory(users.clone()))
        .manager_auth(HostManagerAuth(users.clone()))
        .bot_token(std::env::var("SUPPORT_BOT_TOKEN").unwrap_or_else(|_| "host-bot-token".into()))
        .build();
    let own = Router::new()
        .route("/", get(|| async { "host app home" }))
        .route(
            "/users/",
            get(|State(users): State<Arc<HostUsers>>| async move { Json(users.users.clone()) }),
        )
        .with_state(users);
    Ok(own.merge(support.router()))
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let storage: DynStorage = Arc::new(SqliteStorage::open("sqlite://host_app.db").await?);
    let app = build_app(storage).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("host app on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
