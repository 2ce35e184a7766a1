//! The routes the server adds beside the app's pages and functions, each with who may use it.
//! The authorization layer finds a route's policy here by its template and refuses a route
//! without a row, so a route added in [`server_routes`] and forgotten here answers 403 to
//! everyone rather than serving anyone.

use crate::{download, probes};
use app::api::PolicyRow;
use app::auth::policy::{Policy, SIGNED_IN_RECENTLY};
use app::ssr::state::AppState;
use axum::routing::get;
use axum::Router;

/// Every route of [`server_routes`], with its policy.
pub const SERVER_ROUTES: &[PolicyRow] = &[
    ("/healthz", Policy::Public),
    ("/readyz", Policy::Public),
    (download::EXPORT_PATH, SIGNED_IN_RECENTLY),
];

/// Probes for the orchestrator and the data download (a plain route, so a link downloads it).
pub fn server_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(probes::health))
        .route("/readyz", get(probes::readiness))
        .route(download::EXPORT_PATH, get(download::account_export))
}
