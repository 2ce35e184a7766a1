//! The run is on the backends the test script meant, so a renamed variable cannot turn the
//! PostgreSQL and Redis runs into green repeats of the SQLite one.

use crate::helpers::TestApp;
use std::time::Duration;

/// What the run should be on: `TEST_BACKEND` as the test script sets it (`sqlite`, `postgres`,
/// `postgres+redis`), or else what the service variables ask for.
fn expected_backend() -> String {
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.is_empty());
    std::env::var("TEST_BACKEND").unwrap_or_else(|_| {
        match (set("TEST_POSTGRES_URL"), set("TEST_REDIS_URL")) {
            (false, false) => "sqlite",
            (true, false) => "postgres",
            (true, true) => "postgres+redis",
            (false, true) => "sqlite+redis",
        }
        .to_owned()
    })
}

#[tokio::test]
async fn the_suite_runs_on_the_backends_the_script_meant() {
    let app = TestApp::spawn().await;
    let version: Result<String, _> = sqlx::query_scalar("SELECT version()")
        .fetch_one(&app.state.db)
        .await;
    let database = match version {
        Ok(version) if version.starts_with("PostgreSQL") => "postgres",
        _ => "sqlite",
    };
    // A coordination value lands in the database's table unless Redis holds it.
    let coordination = app.state.sessions.coordination();
    coordination
        .put("backend-probe", "here", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        coordination.get("backend-probe").await.unwrap().as_deref(),
        Some("here")
    );
    let in_database: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM auth_kv WHERE key = 'backend-probe'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let actual = if in_database == 0 {
        format!("{database}+redis")
    } else {
        database.to_owned()
    };
    assert_eq!(actual, expected_backend());
}
