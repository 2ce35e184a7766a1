use crate::helpers::*;
use reqwest::StatusCode;
use std::process::Command;

/// The server binary on `database_url`, in the `test` profile, as an operator would run it.
pub fn server_command(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "test")
        .env("JWT_SECRET", JWT_SECRET)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error");
    command
}

#[tokio::test]
async fn user_create_bootstraps_an_admin_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let output = server_command(&app.database_url)
        .args([
            "user",
            "create",
            "--email",
            "Root@Example.com",
            "--password",
            PASSWORD,
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let browser = app.browser();
    let response = browser.post_login("root@example.com", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["role"], "admin");

    let again = server_command(&app.database_url)
        .args([
            "user",
            "create",
            "--email",
            "root@example.com",
            "--password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn migrate_creates_the_schema_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    for _ in 0..2 {
        let output = server_command(&url).arg("migrate").output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&url).await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[test]
fn prod_refuses_to_start_with_the_default_secret() {
    let dir = tempfile::tempdir().unwrap();
    let output = server_command(&format!("sqlite://{}/p.db", dir.path().display()))
        .env("APP_ENV", "prod")
        .env_remove("JWT_SECRET")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
}

#[test]
fn bad_arguments_get_a_usage_message_not_a_panic() {
    let output = server_command("sqlite::memory:")
        .args(["user", "create", "--email", "x@example.com"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password"));
}
