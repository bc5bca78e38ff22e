//! Manager login, in the flavours the two servers speak: our JSON login (session cookie), our
//! bearer token, or the Django admin login form (CSRF token, then the `sessionid` cookie).

use std::str::FromStr;

use anyhow::{Context, bail};
use hyper::Method;

use crate::Target;
use crate::http::Conn;

/// How to log a manager in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginKind {
    /// `POST {mount}/auth/login/` `{"username","password"}` → session cookie (ours).
    Json,
    /// `POST {mount}/auth/token/` → `{"token"}` used as `Authorization: Bearer` (ours).
    Token,
    /// The Django admin login form (the Python original).
    Django,
}

impl FromStr for LoginKind {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "json" => Self::Json,
            "token" => Self::Token,
            "django" => Self::Django,
            _ => bail!("login kind {s:?}: expected json, token or django"),
        })
    }
}

/// A manager's username and password. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:[redacted]", self.username)
    }
}

impl FromStr for Credentials {
    type Err = anyhow::Error;

    /// `USER:PASSWORD`.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let (username, password) = s.split_once(':').context("expected USER:PASSWORD")?;
        Ok(Self {
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// What a logged-in manager presents on the websocket upgrade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManagerSession {
    /// A `Cookie` header value.
    pub cookie: Option<String>,
    /// A bearer token.
    pub bearer: Option<String>,
}

/// Logs `creds` in. `django_login_path` is the admin login form (e.g. `/admin/login/`).
pub async fn login(
    target: &Target,
    kind: LoginKind,
    creds: &Credentials,
    django_login_path: &str,
) -> anyhow::Result<ManagerSession> {
    let mut conn = Conn::connect(target, None).await?;
    let json = serde_json::to_vec(&serde_json::json!({
        "username": creds.username,
        "password": creds.password,
    }))?;
    match kind {
        LoginKind::Json => {
            let path = format!("{}/auth/login/", target.mount);
            let r = conn
                .send(
                    Method::POST,
                    &path,
                    &[],
                    Some(("application/json", json.into())),
                    false,
                )
                .await?;
            let cookies = r.cookies();
            if r.status != 200 || cookies.is_empty() {
                bail!(
                    "login {path}: status {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                );
            }
            Ok(ManagerSession {
                cookie: Some(cookies.join("; ")),
                bearer: None,
            })
        }
        LoginKind::Token => {
            let path = format!("{}/auth/token/", target.mount);
            let r = conn
                .send(
                    Method::POST,
                    &path,
                    &[],
                    Some(("application/json", json.into())),
                    false,
                )
                .await?;
            if r.status != 200 {
                bail!(
                    "token {path}: status {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                );
            }
            let token = r.json()?["token"]
                .as_str()
                .context("no token in the answer")?
                .to_owned();
            Ok(ManagerSession {
                cookie: None,
                bearer: Some(token),
            })
        }
        LoginKind::Django => django_login(&mut conn, creds, django_login_path).await,
    }
}

/// GET the form for its CSRF cookie and hidden token, POST it, keep `sessionid`.
async fn django_login(
    conn: &mut Conn,
    creds: &Credentials,
    path: &str,
) -> anyhow::Result<ManagerSession> {
    let form = conn.get_with_cookie(path, None).await?;
    let csrf_cookie = form
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("csrftoken="))
        .context("the login form set no csrftoken cookie")?;
    let html = String::from_utf8_lossy(&form.body);
    let token = hidden_input(&html, "csrfmiddlewaretoken")
        .context("no csrfmiddlewaretoken in the login form")?;
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrfmiddlewaretoken", &token)
        .append_pair("username", &creds.username)
        .append_pair("password", &creds.password)
        .append_pair("next", path)
        .finish();
    let origin = conn.target().origin.clone();
    let r = conn
        .send(
            Method::POST,
            path,
            &[
                ("cookie", csrf_cookie.clone()),
                ("referer", format!("{origin}{path}")),
                ("origin", origin),
            ],
            Some(("application/x-www-form-urlencoded", body.into())),
            false,
        )
        .await?;
    let session = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("sessionid="))
        .with_context(|| format!("Django login failed: status {}, no sessionid", r.status))?;
    Ok(ManagerSession {
        cookie: Some(format!("{session}; {csrf_cookie}")),
        bearer: None,
    })
}

/// The `value` of `<input ... name="{name}" value="...">`.
fn hidden_input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].to_owned())
}

/// A manager of ours with a bearer token (`auth/token/`) and their id (`auth/me/`), for the
/// scenarios that act as a manager over REST. `Debug` hides the token.
#[derive(Clone)]
pub struct ManagerToken {
    /// The manager's id.
    pub id: i64,
    /// `Authorization: Bearer ...`.
    pub header: String,
}

impl std::fmt::Debug for ManagerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ManagerToken({}, [redacted])", self.id)
    }
}

impl ManagerToken {
    /// Logs `creds` in on our server.
    pub async fn login(target: &Target, creds: &Credentials) -> anyhow::Result<Self> {
        let session = login(target, LoginKind::Token, creds, "").await?;
        let header = format!("Bearer {}", session.bearer.context("no token")?);
        let mut conn = Conn::connect(target, None).await?;
        let path = format!("{}/auth/me/", target.mount);
        let r = conn
            .send(
                Method::GET,
                &path,
                &[("authorization", header.clone())],
                None,
                false,
            )
            .await?;
        if r.status != 200 {
            bail!("GET {path}: status {}", r.status);
        }
        let id = r.json()?["id"].as_i64().context("no id in auth/me")?;
        Ok(Self { id, header })
    }

    /// The header to send with a request.
    pub fn auth(&self) -> [(&'static str, String); 1] {
        [("authorization", self.header.clone())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_django_form() {
        let html =
            r#"<form><input type="hidden" name="csrfmiddlewaretoken" value="abc123"></form>"#;
        assert_eq!(
            hidden_input(html, "csrfmiddlewaretoken").as_deref(),
            Some("abc123")
        );
        let c: Credentials = "bench:pw:x".parse().unwrap();
        assert_eq!(c.password, "pw:x");
        assert_eq!("django".parse::<LoginKind>().unwrap(), LoginKind::Django);
    }
}
