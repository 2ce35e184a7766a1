//! Calls server functions the way a page calls them while it renders: in process, through
//! Leptos' handler alone, with no authentication or authorization layer in front. There only the
//! body's own guard (`admitted_viewer::<F>()`) stands between a caller and what the function
//! does, so a body that forgets it, or asks for another function's policy, is found here.

use app::auth::assurance::Authentication;
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
    &user_id=1&role=user&disabled=false&code=123456&method=totp\
    &id=1&name=x&ceremony=x&credential=x";

/// The registered functions that serve, in process, a caller their policy does not admit: an
/// anonymous one (any policy but `Public`), a signed-in one of a role outside `AnyRole`, or,
/// under a `StepUp`, one of an admitted role who signed in long ago. A function without a policy
/// (`policy_of` gives `None`) must refuse everyone. Each entry names the function, the caller
/// and the status it answered.
pub async fn functions_serving_callers_they_do_not_admit(
    state: &AppState,
    policy_of: impl Fn(&str) -> Option<Policy>,
) -> Vec<String> {
    let mut served = Vec::new();
    for (path, _) in server_fn::axum::server_fn_paths() {
        for caller in callers_not_admitted(policy_of(path)) {
            let status = call_in_process(state, path, caller).await;
            if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
                let who = match caller {
                    None => "anonymous".to_owned(),
                    Some((role, Freshness::Recent)) => role.as_str().to_owned(),
                    Some((role, Freshness::Stale)) => {
                        format!("{} signed in long ago", role.as_str())
                    }
                };
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

/// When a signed-in caller last proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Just now: any step-up is satisfied.
    Recent,
    /// Long before any step-up's limit.
    Stale,
}

/// A caller: signed out (`None`), or signed in with a role, recently or long ago.
pub type Caller = Option<(Role, Freshness)>;

/// Who `policy` does not admit.
fn callers_not_admitted(policy: Option<Policy>) -> Vec<Caller> {
    let signed_in = |admitted: &dyn Fn(&Role) -> bool, freshness| {
        Role::ALL
            .iter()
            .filter(|role| !admitted(role))
            .map(|role| Some((*role, freshness)))
            .collect::<Vec<_>>()
    };
    match policy {
        Some(Policy::Public) => Vec::new(),
        Some(Policy::SignedIn | Policy::LiveSession) => vec![None],
        Some(Policy::AnyRole(roles)) => [
            vec![None],
            signed_in(&|role| roles.contains(role), Freshness::Recent),
        ]
        .concat(),
        Some(Policy::StepUp(inner)) => {
            let admitted_by_inner = |role: &Role| inner.check(Some(&viewer(*role))).is_allowed();
            [
                callers_not_admitted(Some(*inner)),
                signed_in(&|role| !admitted_by_inner(role), Freshness::Stale),
            ]
            .concat()
        }
        None => [vec![None], signed_in(&|_| false, Freshness::Recent)].concat(),
    }
}

fn viewer(role: Role) -> app::auth::Viewer {
    app::auth::Viewer { user_id: 1, role }
}

/// Posts [`EVERY_ARGUMENT`] to the function at `path` through Leptos' handler alone, as
/// `caller`, and gives the status of its answer.
pub async fn call_in_process(state: &AppState, path: &str, caller: Caller) -> StatusCode {
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
    request.extensions_mut().insert(
        caller.map_or_else(RequestAuth::default, |(role, freshness)| {
            signed_in_as(role, freshness)
        }),
    );
    let response = router.oneshot(request).await.unwrap();
    with_error_status(response).await.status()
}

/// What a page rendering for a signed-in `role` would find in its request.
fn signed_in_as(role: Role, freshness: Freshness) -> RequestAuth {
    let auth_time = match freshness {
        Freshness::Recent => app::ssr::platform::clock::unix_now(),
        Freshness::Stale => 1,
    };
    RequestAuth::of(AccessClaims {
        sub: "1".into(),
        role,
        sid: "in-process".into(),
        sep: 0,
        auth: Authentication::password(auth_time),
        mfa: false,
        enrol: false,
        kind: "access".into(),
        iss: String::new(),
        aud: String::new(),
        iat: 0,
        nbf: 0,
        exp: u64::MAX,
        jti: String::new(),
    })
}
