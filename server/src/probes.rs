//! Health endpoints for load balancers and orchestrators: `/healthz` says the process is up,
//! `/readyz` says it can serve sign-ins (the database and the session store answer) and that its
//! page guards know the latest revocations (the feed was read to its end within a few seconds).

use app::ssr::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::future::Future;
use std::time::Duration;

/// A probe that waits longer than this counts as a failure: readiness must answer fast.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// The feed is read four times a second; this many seconds without a full read means it fails.
const FEED_STALE_AFTER: Duration = Duration::from_secs(5);

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
    let revocations = state.sessions.revoked().synced_within(FEED_STALE_AFTER);
    let status = if database && sessions && revocations {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let body = serde_json::json!({
        "database": word(database),
        "sessions": word(sessions),
        "revocations": if revocations { "ok" } else { "stale" },
    });
    (status, Json(body)).into_response()
}

async fn answers(check: impl Future<Output = bool>) -> bool {
    tokio::time::timeout(PROBE_TIMEOUT, check)
        .await
        .unwrap_or(false)
}
