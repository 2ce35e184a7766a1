//! Calls server functions the way a page calls them while it renders: in process, through
//! Leptos' handler alone, with no authentication or authorization layer in front. There only the
//! body's own guard (`admitted_viewer::<F>()`) stands between a caller and what the function
//! does, so a body that forgets it, or asks for another function's policy, is found here.

use app::auth::policy::Policy;
use app::auth::Role;
use app::ssr::context::RequestAuth;
use app::ssr::state::AppState;
use app::ssr::tokens::AccessClaims;
use axum::body::Body;
use axum::routing::post;
use axum::Router;
use http::{Request, StatusCode};
use leptos::prelude::provide_context;
use server::layers::api_response::with_error_status;
use tower::ServiceExt;

/// One form carrying every argument our functions take, with values they accept; each reads its
/// own fields. A function with an argument not named here answers 400 before its body runs, so
/// the check cannot tell whether the body guards itself: add the new argument here.
const EVERY_ARGUMENT: &str = "handle=x&current_password=x&new_password=x&password=x\
    &new_email=someone%40example.com&email=someone%40example.com&token=x\
    &user_id=1&role=user&disabled=false";

/// The registered functions that serve, in process, a caller their policy does not admit: an
/// anonymous one (any policy but `Public`) or a signed-in one of a role outside `AnyRole`. A
/// function without a policy (`policy_of` gives `None`) must refuse everyone. Each entry names
/// the function, the caller and the status it answered.
pub async fn functions_serving_callers_they_do_not_admit(
    state: &AppState,
    policy_of: impl Fn(&str) -> Option<Policy>,
) -> Vec<String> {
    let mut served = Vec::new();
    for (path, _) in server_fn::axum::server_fn_paths() {
        for caller in callers_not_admitted(policy_of(path)) {
            let status = call_in_process(state, path, caller).await;
            if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
                let who = caller.map_or("anonymous", |role| role.as_str());
                let hint = if status == StatusCode::BAD_REQUEST {
                    " (an argument missing from EVERY_ARGUMENT in server/tests/common/in_process.rs?)"
                } else {
                    ""
                };
                served.push(format!("{path} as {who}: {status}{hint}"));
            }
        }
    }
    served
}

/// Who `policy` does not admit: `None` stands for a signed-out caller.
fn callers_not_admitted(policy: Option<Policy>) -> Vec<Option<Role>> {
    let signed_in = |admitted: &dyn Fn(&Role) -> bool| {
        Role::ALL
            .iter()
            .filter(|role| !admitted(role))
            .map(|role| Some(*role))
            .collect::<Vec<_>>()
    };
    match policy {
        Some(Policy::Public) => Vec::new(),
        Some(Policy::SignedIn | Policy::LiveSession) => vec![None],
        Some(Policy::AnyRole(roles)) => {
            [vec![None], signed_in(&|role| roles.contains(role))].concat()
        }
        None => [vec![None], signed_in(&|_| false)].concat(),
    }
}

/// Posts [`EVERY_ARGUMENT`] to the function at `path` through Leptos' handler alone, as a
/// caller signed in with `role` (or signed out), and gives the status of its answer.
pub async fn call_in_process(state: &AppState, path: &str, role: Option<Role>) -> StatusCode {
    let context_state = state.clone();
    let handler = move |request: Request<Body>| {
        let context_state = context_state.clone();
        async move {
            leptos_axum::handle_server_fns_with_context(
                move || provide_context(context_state.clone()),
                request,
            )
            .await
        }
    };
    let router = Router::new().route(path, post(handler));
    let mut request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(EVERY_ARGUMENT))
        .unwrap();
    request
        .extensions_mut()
        .insert(role.map_or_else(RequestAuth::default, signed_in_as));
    let response = router.oneshot(request).await.unwrap();
    with_error_status(response).await.status()
}

/// What a page rendering for a signed-in `role` would find in its request.
fn signed_in_as(role: Role) -> RequestAuth {
    RequestAuth::of(AccessClaims {
        sub: "1".into(),
        role,
        sid: "in-process".into(),
        sep: 0,
        kind: "access".into(),
        iss: String::new(),
        aud: String::new(),
        iat: 0,
        nbf: 0,
        exp: u64::MAX,
        jti: String::new(),
    })
}
