//! A hostile-input run, from outside: malformed and oversized bodies, wrong content types, garbage
//! and huge cookies, hostile `next` values, cross-site writes in every disguise and path traversal
//! under `/pkg/`. Every answer must be a deliberate 4xx (or the ordinary answer, for requests that
//! are merely odd), never a 5xx, never internals; and the server must go on serving.

use crate::helpers::*;
use reqwest::{Method, RequestBuilder, StatusCode};

/// What a hostile request may be answered with.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A refusal: some 4xx.
    Refused,
    /// Merely odd: anything but a server error.
    NoServerError,
    /// Oversized headers: some 4xx, or the connection closed before any answer (the server will
    /// not read them). Only here is a closed connection a refusal: elsewhere it is what a panic
    /// looks like from outside.
    RefusedOrClosed,
}

/// Words that would betray internals in an answer.
const INTERNALS: &[&str] = &[
    "panicked",
    "sqlx",
    "RUST_BACKTRACE",
    "/src/",
    "stack backtrace",
];

struct Run {
    base: String,
    client: reqwest::Client,
    failures: Vec<String>,
}

impl Run {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    fn new(base: &str) -> Self {
        Run {
            base: base.to_owned(),
            client: http_client()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            failures: Vec::new(),
        }
    }

    async fn check(&mut self, what: &str, request: RequestBuilder, expect: Expect) {
        let response = match request.send().await {
            Ok(response) => response,
            // The server may close the connection on a request it will not read (an oversized
            // header): a refusal too, as long as it keeps serving (checked at the end). Never a
            // timeout.
            Err(error)
                if matches!(expect, Expect::RefusedOrClosed)
                    && !error.is_timeout()
                    && (error.is_request() || error.is_connect()) =>
            {
                return
            }
            Err(error) => {
                let error: String = error.to_string().chars().take(200).collect();
                self.failures.push(format!("{what}: no answer: {error}"));
                return;
            }
        };
        let status = response.status();
        let body = match response.text().await {
            Ok(body) => body,
            Err(error) => {
                self.failures
                    .push(format!("{what}: {status}, its body broke off: {error}"));
                return;
            }
        };
        let acceptable = match expect {
            Expect::Refused | Expect::RefusedOrClosed => status.is_client_error(),
            Expect::NoServerError => !status.is_server_error(),
        };
        if !acceptable {
            self.failures
                .push(format!("{what}: {status} (expected {expect:?})"));
        }
        if let Some(word) = INTERNALS.iter().find(|word| body.contains(*word)) {
            self.failures
                .push(format!("{what}: the answer shows {word:?}"));
        }
    }

    /// A same-origin form post with a raw body and content type.
    fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> RequestBuilder {
        self.request(Method::POST, path)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", content_type)
            .body(body)
    }
}

#[tokio::test]
async fn hostile_requests_get_deliberate_4xx_answers_and_the_server_keeps_serving() {
    use Expect::*;
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", app::auth::Role::User)
        .await;
    let mut run = Run::new(&app.address);
    const FORM: &str = "application/x-www-form-urlencoded";

    // Bodies.
    let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
        ("empty body", FORM, Vec::new()),
        ("fields missing", FORM, b"email=ada%40example.com".to_vec()),
        ("not a form", FORM, b"%%%&&&===%zz".to_vec()),
        (
            "invalid UTF-8",
            FORM,
            b"email=\xff\xfe&password=\xc3\x28".to_vec(),
        ),
        (
            "NUL bytes",
            FORM,
            b"email=ada%00%40example.com&password=x%00y".to_vec(),
        ),
        (
            "JSON as a form",
            FORM,
            br#"{"email":"ada@example.com"}"#.to_vec(),
        ),
        (
            "JSON content type",
            "application/json",
            br#"{"email":1}"#.to_vec(),
        ),
        (
            "XML content type",
            "application/xml",
            b"<a>&xxe;</a>".to_vec(),
        ),
        (
            "multipart without boundary",
            "multipart/form-data",
            b"--x\r\n".to_vec(),
        ),
        ("no content type", "", b"email=a&password=b".to_vec()),
        (
            "megabyte body",
            FORM,
            [b"email=a&password=".as_slice(), &vec![b'a'; 1 << 20]].concat(),
        ),
        ("nested brackets", FORM, "a[".repeat(5_000).into_bytes()),
    ];
    for path in [
        "/api/login",
        "/api/register",
        "/api/change_password",
        "/api/set_role",
    ] {
        for (what, content_type, body) in &bodies {
            let request = run.post(path, content_type, body.clone());
            run.check(&format!("POST {path}: {what}"), request, Refused)
                .await;
        }
    }
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
        let request = run.request(method.clone(), "/api/login");
        run.check(&format!("{method} /api/login"), request, NoServerError)
            .await;
    }
    let unknown = run.post("/api/../../etc/passwd", FORM, "x=1");
    run.check("POST to an unknown function", unknown, Refused)
        .await;

    // Cookies.
    let huge = "a".repeat(16 * 1024);
    let cookies = [
        "__Host-access_token=garbage".to_owned(),
        "__Host-access_token=a.b.c; __Host-refresh_token=zzz".to_owned(),
        "__Host-access_token=eyJhbGciOiJub25lIn0.e30.".to_owned(),
        format!("__Host-access_token={huge}"),
        format!("__Host-refresh_token={huge}"),
        ";;;==; =; __Host-refresh_token".to_owned(),
        "__Host-refresh_token=%00%ff%fe".to_owned(),
    ];
    for cookie in &cookies {
        let label: String = cookie.chars().take(40).collect();
        for path in ["/", "/dashboard", "/admin"] {
            let request = run.request(Method::GET, path).header("cookie", cookie);
            run.check(
                &format!("GET {path} with cookie {label}"),
                request,
                NoServerError,
            )
            .await;
        }
        let request = run.post("/api/me", FORM, "").header("cookie", cookie);
        run.check(
            &format!("POST /api/me with cookie {label}"),
            request,
            Refused,
        )
        .await;
        let request = run.post("/api/refresh", FORM, "").header("cookie", cookie);
        run.check(
            &format!("POST /api/refresh with cookie {label}"),
            request,
            Refused,
        )
        .await;
    }
    let request = run
        .request(Method::GET, "/")
        .header("cookie", "a".repeat(200 * 1024));
    run.check("a 200 KB cookie header", request, RefusedOrClosed)
        .await;
    let many: Vec<String> = (0..400)
        .map(|n| format!("c{n}={}", "x".repeat(100)))
        .collect();
    let request = run
        .request(Method::GET, "/")
        .header("cookie", many.join("; "));
    run.check("400 cookies", request, RefusedOrClosed).await;

    // Hostile `next` values, on the page and through a plain sign-in.
    let long_next = format!("/{}", "a/".repeat(2_000));
    for next in [
        "//evil.example",
        "/.//evil.example",
        "https:evil.example",
        "%2F%2Fevil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "javascript:alert(1)",
        long_next.as_str(),
    ] {
        let request = run.request(Method::GET, "/login").query(&[("next", next)]);
        run.check(
            &format!("GET /login?next={next:.40}"),
            request,
            NoServerError,
        )
        .await;
        let form = [
            ("email", "ada@example.com"),
            ("password", "wrong"),
            ("next", next),
        ];
        let request = run
            .request(Method::POST, "/api/login")
            .header("sec-fetch-site", "same-origin")
            .header("accept", "text/html")
            .form(&form);
        run.check(
            &format!("plain sign-in with next={next:.40}"),
            request,
            NoServerError,
        )
        .await;
    }

    // Cross-site writes in every disguise.
    let disguises: [&[(&str, &str)]; 7] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("sec-fetch-site", "cross-site"), ("origin", &app.address)],
        &[("origin", "null")],
        &[("origin", "https://evil.example")],
        &[("origin", "http://127.0.0.1.evil.example")],
        &[("origin", "http://127.0.0.1:1")],
    ];
    for headers in disguises {
        for path in [
            "/api/login",
            "/api/logout_all",
            "/api/set_role",
            "/dashboard",
        ] {
            let mut request = run
                .request(Method::POST, path)
                .header("content-type", FORM)
                .body("x=1");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            run.check(
                &format!("cross-site POST {path} with {headers:?}"),
                request,
                Refused,
            )
            .await;
        }
    }

    // Path traversal under /pkg/.
    for path in [
        "/pkg/../Cargo.toml",
        "/pkg/%2e%2e/%2e%2e/Cargo.toml",
        "/pkg/..%2f..%2fCargo.toml",
        "/pkg/%2e%2e%5c%2e%2e%5cCargo.toml",
        "/pkg//etc/passwd",
        "/pkg/%00.wasm",
        "/pkg/..;/Cargo.toml",
    ] {
        let request = run.request(Method::GET, path);
        run.check(&format!("GET {path}"), request, Refused).await;
    }

    assert!(run.failures.is_empty(), "{:#?}", run.failures);

    // Still serving, and still signing people in (not Ada: the run's wrong guesses blocked her).
    let health = app.browser().get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    app.create_user("bob@example.com", app::auth::Role::User)
        .await;
    let login = app
        .browser()
        .post_login("bob@example.com", PASSWORD, None)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
}

/// A server for the test below: one route that panics, with or without the router's panic layer.
async fn serve_a_panicking_route(caught: bool) -> String {
    use axum::routing::post;
    let mut routes = axum::Router::new().route(
        "/api/boom",
        post(|| async {
            panic!("a deliberate panic in /src/handler.rs with sqlx details");
            #[allow(unreachable_code)]
            ""
        }),
    );
    if caught {
        routes = routes.layer(server::layers::panics::catch_panics());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    address
}

#[tokio::test]
async fn the_hostile_run_fails_on_a_handler_that_panics() {
    // Behind the router's panic layer a panic is a 500 that names nothing of its cause; without
    // it, a dropped connection. The run must fail on either, so a panic on hostile input cannot
    // pass as a refusal.
    for caught in [true, false] {
        let address = serve_a_panicking_route(caught).await;
        let mut run = Run::new(&address);
        let request = run.post("/api/boom", "application/x-www-form-urlencoded", "x=1");
        run.check("POST /api/boom", request, Expect::Refused).await;
        assert_eq!(
            run.failures.len(),
            1,
            "caught: {caught}: {:?}",
            run.failures
        );
        let expected = if caught { "500" } else { "no answer" };
        assert!(
            run.failures[0].contains(expected),
            "caught: {caught}: {:?}",
            run.failures
        );
    }
    // The 500 itself: our error shape, nothing of the panic.
    let address = serve_a_panicking_route(true).await;
    let response = reqwest::Client::new()
        .post(format!("{address}/api/boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    assert!(body.contains("\"code\":\"internal\""), "{body}");
    for word in INTERNALS.iter().chain(&["deliberate", "handler.rs"]) {
        assert!(!body.contains(word), "{word} in {body}");
    }
}
