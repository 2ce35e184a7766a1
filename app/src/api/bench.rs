//! Two probes for the benchmark (`scripts/bench.sh`, see `docs/benchmarks.md`): the cheapest
//! function a signed-in browser can call, answered from the access token alone, and the same
//! behind a store lookup. The app itself never calls them; a fork that drops the benchmark
//! deletes this module and its line in `FEATURES`.

use crate::auth::policy::Policy;
use crate::auth::Viewer;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::ssr::context::request_viewer;

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (CurrentViewer::PATH, Policy::Public),
    (ConfirmSession::PATH, Policy::SignedIn),
];

/// Who is signed in, as the access token says (no store or database access); `None` when
/// nobody is.
#[server(prefix = "/api", endpoint = "viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(request_viewer())
}

/// Confirms the signed-in session is still alive (the guard checks it in the store) and returns
/// its viewer.
#[server(prefix = "/api", endpoint = "session")]
pub async fn confirm_session() -> Result<Viewer, AppError> {
    super::admitted_viewer::<ConfirmSession>()
}
