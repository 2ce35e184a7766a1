//! A fork's mistakes, made on purpose. This test binary links two server functions of its own
//! into the app (Leptos registers every `#[server]` in the binary, as it would a fork's), each
//! missing what a fork can forget: a policy row, a guard in its body, the `/api` prefix. Each
//! must be refused, or be found by the check that exists to find it. The app's own suite (the
//! `api` test binary) runs that same check over the real functions and finds nothing.

#[path = "common/in_process.rs"]
mod in_process;

use app::api::server_fn_policy;
use app::auth::policy::Policy;
use app::auth::Role;
use axum::body::Body;
use axum::routing::get;
use axum::{middleware, Router};
use http::{Request, StatusCode};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use server::config::Config;
use server::layers::authenticate::authenticate_layer;
use server::layers::authorize::authorize_layer;
use server::startup::{router, Application};
use tower::ServiceExt;

/// What the mistaken functions and routes answer when they run.
const SERVED: &str = "served a caller nobody admitted";

/// A webhook-style function under a prefix of its own, with no policy row.
#[server(prefix = "/hooks", endpoint = "unlisted")]
pub async fn unlisted_hook() -> Result<String, ServerFnError> {
    Ok(SERVED.into())
}

/// A function whose body never asks `admitted_viewer` (and, here, has no row either).
#[server(prefix = "/api", endpoint = "forgot_its_guard")]
pub async fn forgot_its_guard() -> Result<String, ServerFnError> {
    Ok(SERVED.into())
}

async fn application() -> (Application, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/app.db", dir.path().display());
    let outbox = dir.path().join("outbox").display().to_string();
    let config = Config::from_lookup(|name| match name {
        "APP_ENV" => Some("test".into()),
        "JWT_SECRET" => Some("fork-mistakes-secret-that-is-long-enough".into()),
        "DATABASE_URL" => Some(database.clone()),
        "MAIL_OUTBOX" => Some(outbox.clone()),
        _ => None,
    })
    .unwrap();
    let options = LeptosOptions::builder()
        .output_name(app::product::SLUG)
        .site_root(dir.path().join("site").to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .build();
    let built = Application::build(config, options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (built, dir)
}

/// A same-origin, empty form post to `path`, through the app's whole router.
async fn post(app: &Application, path: &str) -> (StatusCode, String) {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let response = router(app.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_function_without_a_policy_row_is_refused_under_any_prefix() {
    let (app, _dir) = application().await;
    for path in [UnlistedHook::PATH, ForgotItsGuard::PATH] {
        let (status, body) = post(&app, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(!body.contains(SERVED), "{path}");
    }
}

#[tokio::test]
async fn the_in_process_check_finds_every_body_without_its_guard_and_nothing_else() {
    let (app, _dir) = application().await;
    // As if the fork had written the row but not the guard.
    let served = in_process::functions_serving_callers_they_do_not_admit(&app.state, |path| {
        if path == ForgotItsGuard::PATH {
            Some(Policy::SignedIn)
        } else {
            server_fn_policy(path)
        }
    })
    .await;
    let mut expected = vec![format!("{} as anonymous: 200 OK", ForgotItsGuard::PATH)];
    expected.push(format!("{} as anonymous: 200 OK", UnlistedHook::PATH));
    for role in Role::ALL {
        expected.push(format!(
            "{} as {}: 200 OK",
            UnlistedHook::PATH,
            role.as_str()
        ));
    }
    let mut served = served;
    served.sort();
    expected.sort();
    assert_eq!(served, expected);
}

#[tokio::test]
async fn a_route_the_server_adds_without_a_policy_row_is_refused() {
    let (app, _dir) = application().await;
    let state = app.state.clone();
    let forked = Router::new()
        .route("/webhooks/{id}", get(|| async { SERVED }))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authorize_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_layer,
        ))
        .with_state(state);
    let request = Request::get("/webhooks/1").body(Body::empty()).unwrap();
    let response = forked.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
