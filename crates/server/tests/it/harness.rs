//! Test harness: a fresh database per test on SQLite or PostgreSQL, the real router driven
//! in-process, and a small cookie-keeping client for web flows.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use concentric_core::authz::Actor;
use concentric_core::person::{NewPerson, Person};
use concentric_server::auth::secrets::{digest, hash_password, new_api_token};
use concentric_server::config::ConfigLayer;
use concentric_server::mail::Mailer;
use concentric_server::{AppState, Config};
use concentric_store::scratch::Scratch;
use concentric_store::{PoolOptions, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";
pub const PG_ENV: &str = "CONCENTRIC_TEST_POSTGRES_URL";

/// Removes the test's database when the test ends, even when it panicked.
pub struct DbGuard(Option<Scratch>);

impl Drop for DbGuard {
    fn drop(&mut self) {
        let Some(scratch) = self.0.take() else { return };
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let _ = rt.block_on(scratch.remove());
        })
        .join();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A file name in the temp folder no other test (nor the other backend's run of the same test,
/// in the same process) uses.
pub fn scratch_file(name: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("concentric-test-{}-{n}-{name}", std::process::id()))
}

pub struct TestApp {
    pub app: Router,
    pub store: Store,
    /// The database, for a second node in the same test.
    pub url: String,
    /// The server's clock: the real time when the app starts, moved only by the test.
    pub time: std::sync::Arc<concentric_core::time::ManualTime>,
    /// What the handlers share, for code that runs outside a request (mail in), and what runs
    /// the mail and webhook jobs, as the server's job runner does.
    pub state: AppState,
    _guard: DbGuard,
}

impl TestApp {
    /// A migrated, empty database on the given backend; `None` when PostgreSQL is not configured.
    pub async fn new(db: Db) -> Option<Self> {
        Self::with_config(db, ConfigLayer::default()).await
    }

    pub async fn with_config(db: Db, mut layer: ConfigLayer) -> Option<Self> {
        let like = match db {
            Db::Sqlite => "sqlite:".to_owned(),
            Db::Postgres => std::env::var(PG_ENV).ok()?,
        };
        let scratch = Scratch::create(&like)
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database (is {PG_ENV} reachable?): {e}"));
        let url = scratch.url().to_owned();
        let guard = DbGuard(Some(scratch));
        layer.database_url = Some(url.clone());
        let config = Config::load(None, layer).expect("config");
        let store =
            Store::connect(&url, PoolOptions { max_connections: 4, ..Default::default() }).await.expect("connect");
        store.migrate().await.expect("migrate");
        let time = std::sync::Arc::new(concentric_core::time::ManualTime::at(concentric_core::time::Millis::now()));
        let mailer = Mailer::from_config(&config).expect("mailer");
        store.set_mail_enabled(mailer.is_configured()).await.expect("mail setting");
        let state = AppState::new(store.clone(), config).with_time(time.clone()).with_mailer(mailer);
        Some(Self { app: concentric_server::app(state.clone()), store, url, time, state, _guard: guard })
    }

    /// A person with a password, optionally admin.
    pub async fn person(&self, email: &str, name: &str, admin: bool) -> Person {
        let new = NewPerson {
            name: name.into(),
            title: "Tester".into(),
            time_zone: "Europe/Berlin".into(),
            is_admin: admin,
            ..NewPerson::test(email)
        };
        let system = Actor::system();
        let person = self.store.create_person(&system, new).await.expect("create person");
        let hash = hash_password(PASSWORD.into()).await.expect("hash");
        self.store.set_password_hash(&system, person.id, &hash, None).await.expect("password");
        person
    }

    pub async fn admin(&self) -> Person {
        self.person("admin@example.com", "Ada Admin", true).await
    }

    /// A live API token for a person.
    pub async fn token(&self, person: &Person) -> String {
        let actor = self.store.actor_for(person.id).await.expect("actor");
        let (secret, prefix) = new_api_token();
        self.store.create_token(&actor, "test", &digest(&secret), &prefix).await.expect("token");
        secret
    }

    /// Sends one API request with an optional token and JSON body.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> ApiResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.send_api(req).await
    }

    /// Sends a text body of a given type (a CSV or .ics file).
    pub async fn api_text(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> ApiResponse {
        let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, content_type);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send_api(req.body(Body::from(body.to_owned())).expect("request")).await
    }

    /// Sends a raw request (for malformed bodies and odd content types).
    pub async fn send_api(&self, req: Request<Body>) -> ApiResponse {
        let resp = self.app.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        ApiResponse { status, headers, json, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub fn browser(&self) -> Browser {
        Browser { app: self.app.clone(), cookies: HashMap::new() }
    }
}

#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl ApiResponse {
    /// Asserts an RFC 9457 problem with the given status and code.
    pub fn assert_problem(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/problem+json", "{}", self.text);
        assert_eq!(self.json["code"], code, "{}", self.text);
        assert_eq!(self.json["status"], status.as_u16());
        assert!(self.json["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", self.text);
    }
}

/// Keeps cookies between requests like a browser, for web flows.
pub struct Browser {
    app: Router,
    cookies: HashMap<String, String>,
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The first CSRF token on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).map(|i| i + marker.len()).expect("page has a csrf field");
        self.body[start..].split('"').next().unwrap_or_default().to_owned()
    }
}

impl Browser {
    async fn send(&mut self, req: Request<Body>) -> Page {
        let resp = self.app.clone().oneshot(req).await.expect("response");
        for c in resp.headers().get_all(header::SET_COOKIE) {
            let c = cookie::Cookie::parse(c.to_str().unwrap_or_default().to_owned()).expect("cookie");
            if c.max_age().is_some_and(|a| a.is_zero()) {
                self.cookies.remove(c.name());
            } else {
                self.cookies.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).expect("request");
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).expect("form");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: &[u8]) -> Page {
        self.post_files(path, fields, &[("file", "x.csv", "text/csv", file)]).await
    }

    /// Posts a multipart form: text fields, and files as (field, file name, type, bytes).
    pub async fn post_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        let boundary = "----concentric-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        for (name, filename, kind, data) in files {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {kind}\r\n\r\n")
                    .bytes(),
            );
            body.extend_from_slice(data);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Signs in through the login form, as a person would.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post("/login", &[("csrf", &csrf), ("email", email), ("password", password), ("next", "/")]).await
    }

    /// The CSRF token of a signed-in page.
    pub async fn csrf(&mut self, path: &str) -> String {
        self.get(path).await.csrf()
    }

    pub fn has_session(&self) -> bool {
        self.has_cookie("concentric_session")
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    /// Puts a cookie back, as a browser replaying an old request would.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }
}

/// Declares a test case that runs on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident, |$t:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn case($t: $crate::harness::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                let t = $crate::harness::TestApp::new($crate::harness::Db::Sqlite).await.expect("sqlite");
                case(t).await;
            }

            #[tokio::test]
            async fn postgres() {
                match $crate::harness::TestApp::new($crate::harness::Db::Postgres).await {
                    Some(t) => case(t).await,
                    None => eprintln!("{} is not set: PostgreSQL case skipped", $crate::harness::PG_ENV),
                }
            }
        }
    };
}

/// The smallest valid PNG: one transparent pixel.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
