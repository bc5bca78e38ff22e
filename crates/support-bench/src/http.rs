//! One keep-alive HTTP/1.1 connection per simulated client (hyper's connection-level client, so
//! there is no pool to share and no hidden extra connections), plus the REST calls the
//! benchmarks make.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, HeaderMap, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

use crate::Target;

/// A TCP connection to `addr`, from `source` if given (another 127.0.0.x spreads ephemeral
/// ports over several source addresses), with Nagle off.
pub async fn tcp_connect(addr: SocketAddr, source: Option<IpAddr>) -> anyhow::Result<TcpStream> {
    let stream = match source {
        Some(ip) => {
            let socket = if ip.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.bind(SocketAddr::new(ip, 0))?;
            socket.connect(addr).await?
        }
        None => TcpStream::connect(addr).await?,
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A response, body read in full.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "status {}: body is not JSON: {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }

    /// The `name=value` pairs of every `Set-Cookie`.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(hyper::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(|kv| kv.trim().to_owned())
            .collect()
    }
}

/// One HTTP/1.1 connection, used for one request at a time.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    target: Target,
    bot_auth: Option<HeaderValue>,
    host: HeaderValue,
}

impl Conn {
    /// Connects to the target.
    pub async fn connect(target: &Target, source: Option<IpAddr>) -> anyhow::Result<Self> {
        let stream = tcp_connect(target.addr, source).await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            // Ends when the server or we close the connection; errors show up on the next request.
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            bot_auth: target
                .bot_token
                .as_ref()
                .map(|t| HeaderValue::try_from(format!("Bearer {t}")))
                .transpose()?,
            host: HeaderValue::try_from(target.authority.as_str())?,
            target: target.clone(),
        })
    }

    /// The target this connection talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends one request and reads the whole response. `bot` adds the bot's bearer token.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        extra: &[(&str, String)],
        body: Option<(&'static str, Bytes)>,
        bot: bool,
    ) -> anyhow::Result<Response> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone());
        if bot && let Some(auth) = &self.bot_auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        for (name, value) in extra {
            builder = builder.header(*name, value.as_str());
        }
        let body = match body {
            Some((content_type, bytes)) => {
                builder = builder.header(CONTENT_TYPE, content_type);
                bytes
            }
            None => Bytes::new(),
        };
        self.sender.ready().await.context("connection closed")?;
        let response = self
            .sender
            .send_request(builder.body(Full::new(body))?)
            .await?;
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response {
            status,
            headers: parts.headers,
            body,
        })
    }

    /// A bot's JSON POST.
    pub async fn post_json(&mut self, path: &str, body: Bytes) -> anyhow::Result<Response> {
        self.send(
            Method::POST,
            path,
            &[],
            Some(("application/json", body)),
            true,
        )
        .await
    }

    /// A bot's JSON POST of `body` to `path` that must answer 201; any other status is an error
    /// naming the path and the answer.
    pub async fn post_created(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<Response> {
        let response = self
            .post_json(path, serde_json::to_vec(body)?.into())
            .await?;
        if response.status != 201 {
            bail!(
                "POST {path}: status {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
        }
        Ok(response)
    }

    /// `POST {mount}/tickets/` as the bot; the new ticket's id.
    pub async fn create_ticket(&mut self, user_id: i64, title: &str) -> anyhow::Result<i64> {
        let path = self.target.tickets_path();
        let body = serde_json::json!({ "user_id": user_id, "title": title });
        self.post_created(&path, &body).await?.json()?["id"]
            .as_i64()
            .context("ticket without an id")
    }

    /// A GET with a cookie (used by the Django login).
    pub async fn get_with_cookie(
        &mut self,
        path: &str,
        cookie: Option<&str>,
    ) -> anyhow::Result<Response> {
        let extra: Vec<(&str, String)> = cookie
            .map(|c| vec![(COOKIE.as_str(), c.to_owned())])
            .unwrap_or_default();
        self.send(Method::GET, path, &extra, None, false).await
    }
}
