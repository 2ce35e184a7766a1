//! A running app on port 0 with its own fresh SQLite database, and a small cookie-keeping
//! client that behaves like one browser.

pub use crate::mail::ReadMail;
use app::auth::Role;
use app::ssr::input::Email;
use leptos::prelude::LeptosOptions;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, COOKIE, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};
use server::config::Config;
use server::startup::Application;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const JWT_SECRET: &str = "integration-test-secret-that-is-long-enough";
pub const PASSWORD: &str = "correct horse battery staple";
pub const ACCESS_COOKIE: &str = "__Host-access_token";
pub const REFRESH_COOKIE: &str = "__Host-refresh_token";

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub state: app::ssr::state::AppState,
    /// The settings it was started with, for a second instance of it ([`TestApp::twin`]).
    vars: HashMap<String, String>,
    dir: tempfile::TempDir,
}

/// The database under test: the embedded SQLite, or PostgreSQL when `TEST_POSTGRES_URL` names a
/// server (each test then gets a database of its own on it). `TEST_REDIS_URL` likewise moves the
/// refresh sessions to Redis.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => {
            use sqlx::Connection;
            let name = format!(
                "test_{}",
                app::ssr::platform::random::random_token()
                    .to_lowercase()
                    .replace(['-', '_'], "")
            );
            let mut admin = sqlx::PgConnection::connect(&server)
                .await
                .expect("PostgreSQL reachable");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut admin)
                .await
                .unwrap();
            let (base, _) = server
                .rsplit_once('/')
                .expect("TEST_POSTGRES_URL ends in /database");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}/app.db", dir.display()),
    }
}

/// The `test` profile's settings on `database_url`, plus `more`.
pub fn test_vars(database_url: &str, more: &[(&str, &str)]) -> HashMap<String, String> {
    let base = [
        ("APP_ENV", "test"),
        ("JWT_SECRET", JWT_SECRET),
        ("DATABASE_URL", database_url),
    ];
    base.iter()
        .chain(more)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// Builds (without running) the app configured by `vars`, its site under `dir`.
pub async fn build_application(
    vars: &HashMap<String, String>,
    dir: &std::path::Path,
) -> Result<Application, server::error::StartupError> {
    // Mail goes into the test's own directory unless the test says otherwise.
    let outbox = dir.join("outbox").to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match (vars.get(name), name) {
        (None, "MAIL_OUTBOX") => Some(outbox.clone()),
        (value, _) => value.cloned(),
    })
    .expect("config");
    let options = LeptosOptions::builder()
        .output_name(app::product::SLUG)
        .site_root(dir.join("site").to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .build();
    Application::build(config, options, "127.0.0.1:0".parse().unwrap()).await
}

impl TestApp {
    /// Starts the app with `APP_ENV=test` plus `overrides`.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database_url(dir.path()).await;
        let mut vars = test_vars(&database_url, &[]);
        if let Ok(redis) = std::env::var("TEST_REDIS_URL") {
            if !redis.is_empty() {
                // One Redis for the whole run; each test keeps to a namespace of its own.
                vars.insert("REDIS_URL".into(), redis);
                vars.insert(
                    "REDIS_KEY_PREFIX".into(),
                    app::ssr::platform::random::random_token(),
                );
            }
        }
        for (key, value) in overrides {
            vars.insert(key.to_string(), value.to_string());
        }
        Self::start(vars, dir, database_url).await
    }

    async fn start(
        vars: HashMap<String, String>,
        dir: tempfile::TempDir,
        database_url: String,
    ) -> TestApp {
        let application = build_application(&vars, dir.path())
            .await
            .expect("app starts");
        let address = format!("http://{}", application.local_addr());
        let state = application.state.clone();
        tokio::spawn(application.run());
        TestApp {
            address,
            database_url,
            state,
            vars,
            dir,
        }
    }

    /// A second instance of this app: the same database, session store and settings.
    pub async fn twin(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start(self.vars.clone(), dir, self.database_url.clone()).await
    }

    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Where this app writes its mail (`MAIL_OUTBOX`).
    pub fn outbox_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("outbox")
    }

    /// Every mail this app has written to `to` so far, oldest first. Their links must point at
    /// this app, or at `PUBLIC_ORIGIN` when the test set one (see `ReadMail::token_for`).
    pub fn mail_to(&self, to: &str) -> Vec<ReadMail> {
        crate::mail::read_outbox(&self.outbox_dir())
            .into_iter()
            .filter(|mail| mail.to == to)
            .map(|mail| ReadMail {
                site: Some(
                    (self.state.settings.public_origin.clone())
                        .unwrap_or_else(|| self.address.clone()),
                ),
                ..mail
            })
            .collect()
    }

    /// The newest mail to `to`, waiting up to 10 s for its `count`-th to arrive.
    pub async fn wait_for_mail(&self, to: &str, count: usize) -> ReadMail {
        let arrived = crate::processes::eventually(std::time::Duration::from_secs(10), || {
            std::future::ready(self.mail_to(to).len() >= count)
        })
        .await;
        assert!(arrived, "mail #{count} to {to} did not arrive");
        self.mail_to(to).pop().unwrap()
    }

    /// Where this app serves its browser bundle from (empty until a test writes to it).
    pub fn site_pkg_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("site").join("pkg")
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Creates an account directly in the database (as `server user create` would).
    pub async fn create_user(&self, email: &str, role: Role) {
        let hash = self.state.passwords.hash(PASSWORD.into()).await.unwrap();
        app::ssr::users::insert(
            &self.state.db,
            &Email::parse(email).unwrap(),
            &hash,
            role,
            app::ssr::users::Address::Verified,
        )
        .await
        .unwrap();
    }

    /// A browser holding only a copy of `browser`'s access token: page requests it makes are
    /// judged on that token alone (no refresh to fall back on).
    pub fn access_token_copy(&self, browser: &Browser) -> Browser {
        let copy = self.browser();
        copy.set_cookie(ACCESS_COOKIE, &browser.cookie(ACCESS_COOKIE).unwrap());
        copy
    }

    /// The answer to a refresh that presents `refresh_token` alone, from a fresh browser.
    pub async fn refresh_with(&self, refresh_token: &str) -> StatusCode {
        let replay = self.browser();
        replay.set_cookie(REFRESH_COOKIE, refresh_token);
        replay.post_form("/api/refresh", &[]).await.status()
    }

    /// A browser signed in as a fresh account with `role`.
    pub async fn signed_in(&self, email: &str, role: Role) -> Browser {
        self.create_user(email, role).await;
        self.signed_in_again(email).await
    }

    /// The id of the account whose address is `email`.
    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.db)
            .await
            .unwrap_or_else(|error| panic!("no account {email}: {error}"))
    }

    /// Another browser (device) signed in to the existing account `email`.
    pub async fn signed_in_again(&self, email: &str) -> Browser {
        let browser = self.browser();
        let response = browser.post_login(email, PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::OK, "login as {email}");
        browser
    }
}

/// One browser: a base URL and a cookie jar that follows `Set-Cookie` like a real one.
#[derive(Clone)]
pub struct Browser {
    base: String,
    client: reqwest::Client,
    jar: Arc<Mutex<BTreeMap<String, String>>>,
}

/// No request of the suite may take longer than this: a hang fails its test instead of
/// stalling the run.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An HTTP client for the suite: bounded by [`REQUEST_TIMEOUT`].
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(REQUEST_TIMEOUT)
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            client: http_client()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            jar: Arc::default(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().unwrap().insert(name.into(), value.into());
    }

    pub fn remove_cookie(&self, name: &str) {
        self.jar.lock().unwrap().remove(name);
    }

    fn cookie_header(&self) -> Option<HeaderValue> {
        let jar = self.jar.lock().unwrap();
        if jar.is_empty() {
            return None;
        }
        let joined = jar
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        HeaderValue::from_str(&joined).ok()
    }

    fn absorb(&self, response: &Response) {
        let mut jar = self.jar.lock().unwrap();
        for header in response.headers().get_all(SET_COOKIE) {
            let text = header.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().into(), value.into());
            }
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        let request = match self.cookie_header() {
            Some(cookies) => request.header(COOKIE, cookies),
            None => request,
        };
        let response = request.send().await.expect("request sent");
        self.absorb(&response);
        response
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    /// A form POST as the hydrated app sends it (same-origin, expecting data back).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.send(self.same_origin_post(path).form(form)).await
    }

    /// A form POST as a browser without JavaScript sends it (expects a page back).
    pub async fn post_plain_form(
        &self,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> Response {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header("referer", format!("{}{referer}", self.base))
            .form(form);
        self.send(request).await
    }

    pub fn same_origin_post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "application/json")
    }

    pub fn raw_get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    pub fn raw_post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.base))
    }

    pub async fn post_login(&self, email: &str, password: &str, next: Option<&str>) -> Response {
        let mut form = vec![("email", email), ("password", password)];
        if let Some(next) = next {
            form.push(("next", next));
        }
        self.post_form("/api/login", &form).await
    }

    pub async fn post_register(&self, email: &str, password: &str) -> Response {
        self.post_form("/api/register", &[("email", email), ("password", password)])
            .await
    }

    pub async fn post_me(&self) -> Response {
        self.post_form("/api/me", &[]).await
    }
}

/// Every `Set-Cookie` value of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The seconds of a response's `Retry-After` header.
pub fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub async fn json(response: Response) -> serde_json::Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Fails if `text` holds any of `browser`'s credentials: its refresh token, its access token,
/// or the login (family) id inside the access token.
pub fn assert_keeps_secrets(text: &str, browser: &Browser) {
    let refresh = browser.cookie(REFRESH_COOKIE).expect("a refresh cookie");
    let access = browser.cookie(ACCESS_COOKIE).expect("an access cookie");
    let family = claims_in(&access)["sid"]
        .as_str()
        .expect("a login id")
        .to_owned();
    for (what, secret) in [
        ("refresh token", &refresh),
        ("access token", &access),
        ("login id", &family),
    ] {
        assert!(!text.contains(secret.as_str()), "the {what} leaked: {text}");
    }
}

/// The claims inside `token`, unverified (for tests that issued it, or that forge one like it).
pub fn claims_in(token: &str) -> serde_json::Value {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let encoded = token.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap()
}

/// Signs arbitrary claims with the test secret (or another key), for forging tokens.
pub fn sign(claims: &serde_json::Value, secret: &str, typ: &str) -> String {
    sign_with(jsonwebtoken::Algorithm::HS256, claims, secret, typ)
}

/// [`sign`] with another algorithm.
pub fn sign_with(
    algorithm: jsonwebtoken::Algorithm,
    claims: &serde_json::Value,
    secret: &str,
    typ: &str,
) -> String {
    let mut header = jsonwebtoken::Header::new(algorithm);
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn now() -> u64 {
    app::ssr::platform::clock::unix_now()
}

/// Signs in an administrator and checks that the audit log soon shows an event of `kind` about
/// account `user_id` (`None`: an event that names no account, as refusals before any account is
/// known do). Events are written in the background.
pub async fn assert_audit_has(app: &TestApp, kind: &str, user_id: Option<i64>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static ADMINS: AtomicUsize = AtomicUsize::new(0);
    let n = ADMINS.fetch_add(1, Ordering::Relaxed);
    let admin = app
        .signed_in(
            &format!("audit-admin-{n}@example.com"),
            app::auth::Role::Admin,
        )
        .await;
    let subject = serde_json::json!(user_id);
    let found = crate::processes::eventually(std::time::Duration::from_secs(3), || async {
        let response = admin.post_form("/api/audit", &[]).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let events = json(response).await;
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["kind"] == kind && event["user_id"] == subject)
    })
    .await;
    assert!(found, "no {kind} event about {user_id:?} in the audit log");
}
