//! Health endpoints for load balancers and orchestrators: `/healthz` says the process is up,
//! `/readyz` says it can serve sign-ins (the database and the session store answer).

use app::ssr::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::future::Future;
use std::time::Duration;

/// A probe that waits longer than this counts as a failure: readiness must answer fast.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

pub async fn health() -> &'static str {
    "ok"
}

pub async fn readiness(State(state): State<AppState>) -> Response {
    // Checked side by side, so a probe never takes longer than one timeout.
    let (database, sessions) = tokio::join!(
        answers(async { sqlx::query("SELECT 1").execute(&state.db).await.is_ok() }),
        answers(async {
            state
                .sessions
                .login_alive(0, "readiness-probe")
                .await
                .is_ok()
        }),
    );
    let status = if database && sessions {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let body = serde_json::json!({ "database": word(database), "sessions": word(sessions) });
    (status, Json(body)).into_response()
}

async fn answers(check: impl Future<Output = bool>) -> bool {
    tokio::time::timeout(PROBE_TIMEOUT, check)
        .await
        .unwrap_or(false)
}
