//! The Telegram side of the one port: teloxide's axum webhook route behind a constant-time
//! secret check, an update listener that ends when the dispatcher stops, and `setWebhook`.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Shared};
use futures_util::{FutureExt, Stream, StreamExt};
use subtle::ConstantTimeEq;
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::webhooks::{self, Options};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use crate::config::{Config, Secret};

/// The header Telegram sends the webhook's secret in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The webhook route for `config` (to merge into the app) and the listener the dispatcher
/// reads its updates from.
///
/// `axum_no_setup`, not `axum_to_router`: this app calls `setWebhook` itself once the port
/// serves ([`register`]), and never calls `deleteWebhook` (which `axum_to_router` does on stop):
/// while the process restarts, Telegram keeps the updates and retries them, and during a rolling
/// deploy a stopping instance deleting the webhook would unhook the one that replaced it.
pub(crate) fn route(
    addr: SocketAddr,
    config: &Config,
) -> (
    // `use<>`: the listener borrows nothing from `config` (it is moved into a task).
    impl UpdateListener<Err = std::convert::Infallible> + Send + use<>,
    axum::Router,
) {
    let options = Options::new(addr, config.webhook_url.clone())
        .path(config.webhook_path.clone())
        // Checked again by teloxide (a plain comparison, only ever reached with the right
        // secret, as `check_secret` runs first): a second line of defence.
        .secret_token(config.webhook_secret.expose().to_owned());
    let (listener, stopped, router) = webhooks::axum_no_setup(options);
    // `route_layer`: only the webhook route is guarded; a path no route matches stays a 404.
    let router = router.route_layer(axum::middleware::from_fn_with_state(
        config.webhook_secret.clone(),
        check_secret,
    ));
    let listener = UntilStopped {
        inner: listener,
        stopped: stopped.boxed().shared(),
    };
    (listener, router)
}

/// Refuses a webhook call without the right `X-Telegram-Bot-Api-Secret-Token` (401, JSON, as
/// every error of this app), comparing in constant time: teloxide's own check is a plain `!=`
/// (a FIXME of theirs), whose timing could leak the secret byte by byte. Only the length may
/// show, and the secret's length is no secret (Telegram documents 1 to 256).
async fn check_secret(State(secret): State<Secret>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if bool::from(given.ct_eq(secret.expose().as_bytes())) {
        return next.run(request).await;
    }
    // No value logged: a wrong secret may be a mistyped right one.
    tracing::warn!(
        header = if given.is_empty() { "missing" } else { "wrong" },
        "webhook call refused: bad X-Telegram-Bot-Api-Secret-Token"
    );
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({"detail": "Invalid webhook secret token."})),
    )
        .into_response()
}

/// Tells Telegram where to post updates, with the secret. Called once the port serves, so the
/// first update finds it listening.
///
/// `allowed_updates` is sent empty (Telegram's default set) rather than left out: left out,
/// Telegram keeps whatever an earlier `setWebhook` or `getUpdates` narrowed it to.
/// `drop_pending_updates` stays off: what users wrote while the bot was down is answered now.
pub(crate) async fn register(bot: &Bot, config: &Config) -> Result<(), teloxide::RequestError> {
    bot.set_webhook(config.webhook_url.clone())
        .secret_token(config.webhook_secret.expose())
        .allowed_updates(Vec::<AllowedUpdate>::new())
        .drop_pending_updates(false)
        .await?;
    Ok(())
}

/// Teloxide's webhook listener, whose update stream ends once the dispatcher stops it.
///
/// Teloxide's own stream only ends when the route's sender is dropped, that is when the HTTP
/// server has stopped; here the server must outlive the dispatcher (the handlers still in
/// flight call the support REST API on this very port), so the dispatcher would wait forever.
/// Once stopped, the stream hands over the updates already accepted (each was answered 200, so
/// Telegram will not send it again), then ends; teloxide answers later calls 503, which
/// Telegram retries, after the restart. One narrow race remains, in teloxide's route: a call
/// that read the stop flag just before the stop and queues its update just after the stream
/// ended is answered 200 and not handled.
struct UntilStopped<L> {
    inner: L,
    /// Resolves when the listener's stop token is used (`Shared`: the stream may be asked for
    /// more than once).
    stopped: Shared<BoxFuture<'static, ()>>,
}

impl<'a, L> AsUpdateStream<'a> for UntilStopped<L>
where
    L: UpdateListener<Err = std::convert::Infallible>,
{
    type StreamErr = std::convert::Infallible;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, Self::StreamErr>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let mut updates = Box::pin(self.inner.as_stream());
        let mut stopped = self.stopped.clone();
        let mut draining = false;
        Box::pin(futures_util::stream::poll_fn(move |cx| {
            // Polled first, so a stop wakes the stream even while no update comes.
            if !draining && stopped.poll_unpin(cx).is_ready() {
                draining = true;
            }
            match updates.poll_next_unpin(cx) {
                Poll::Pending if draining => Poll::Ready(None),
                other => other,
            }
        }))
    }
}

impl<L> UpdateListener for UntilStopped<L>
where
    L: UpdateListener<Err = std::convert::Infallible>,
{
    type Err = std::convert::Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}
