//! The audit log under load and over time: refused attempts kept apart from account events and
//! coalesced, pages reaching every event, and old events swept.

use crate::helpers::*;
use crate::processes::eventually;
use app::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// One page of the log as `admin` asks for it.
async fn audit_page(admin: &Browser, filter: &str, before: Option<i64>) -> Vec<Value> {
    let before = before.map(|id| id.to_string());
    let mut form = vec![("filter", filter)];
    if let Some(before) = &before {
        form.push(("before", before));
    }
    let response = admin.post_form("/api/audit", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_array().unwrap().clone()
}

/// Every event `filter` admits, page by page, newest first.
async fn every_event(admin: &Browser, filter: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut before = None;
    loop {
        let page = audit_page(admin, filter, before).await;
        let full = page.len() as i64 == app::api::admin::AUDIT_PAGE;
        before = page.last().map(|event| event["id"].as_i64().unwrap());
        events.extend(page);
        if !full {
            return events;
        }
    }
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|event| event["kind"] == kind).count()
}

#[tokio::test]
async fn a_flood_of_refused_attempts_hides_no_account_event_and_denials_take_one_row_a_minute() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_MAX_FAILURES", "1000"),
        ("LOGIN_MAX_FAILURES_PER_IP", "1000"),
    ])
    .await;
    let admin = app.signed_in("grace@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let changed = user
        .post_form(
            "/api/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);

    // Then a guesser: 130 wrong passwords, and 40 visits to a page the user may not see.
    let guesser = app.browser();
    for attempt in 0..130 {
        let email = format!("guess-{attempt}@example.com");
        let response = guesser.post_login(&email, "wrong password", None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for _ in 0..40 {
        assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    }
    let all_written = eventually(Duration::from_secs(10), || async {
        count(&every_event(&admin, "attempts").await, "sign_in_failed") == 130
    })
    .await;
    assert!(all_written, "every failed sign-in is in the log");

    // The first page of account events still shows the password change.
    let accounts = audit_page(&admin, "accounts", None).await;
    assert_eq!(count(&accounts, "password_changed"), 1, "{accounts:?}");
    assert_eq!(count(&accounts, "sign_in_failed"), 0);
    // Denials cost nothing to provoke: one row stands for the minute's forty.
    let everything = every_event(&admin, "all").await;
    assert_eq!(count(&everything, "access_denied"), 1);

    // Paging reaches every event once, newest first.
    let ids: Vec<i64> = everything
        .iter()
        .map(|event| event["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() > 130, "{} events", ids.len());
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first, no repeats"
    );
    let kinds: HashSet<&str> = everything
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains("password_changed") && kinds.contains("sign_in_failed"));
}

/// Adds an event `age` old, straight into the database.
async fn insert_event_aged(app: &TestApp, kind: &str, age: Duration) {
    sqlx::query("INSERT INTO audit_events (at, kind) VALUES ($1, $2)")
        .bind((now() - age.as_secs()) as i64)
        .bind(kind)
        .execute(&app.state.db)
        .await
        .unwrap();
}

async fn stored_kinds(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM audit_events ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn events_past_the_retention_are_swept_at_start_and_after() {
    const DAY: Duration = Duration::from_secs(86_400);
    let app = TestApp::spawn_with(&[("AUDIT_RETENTION_DAYS", "30")]).await;
    insert_event_aged(&app, "old_event", DAY * 31).await;
    insert_event_aged(&app, "recent_event", DAY * 29).await;

    // Another instance on the same database sweeps as it starts.
    let _second = TestApp::spawn_with(&[
        ("AUDIT_RETENTION_DAYS", "30"),
        ("DATABASE_URL", &app.database_url),
    ])
    .await;
    let swept = eventually(Duration::from_secs(5), || async {
        stored_kinds(&app).await == ["recent_event"]
    })
    .await;
    assert!(swept, "left: {:?}", stored_kinds(&app).await);

    // And the sweep itself, as the hourly run calls it, here with a retention shorter than the
    // instances' own (their runs, at any moment, leave a 29-day-old event alone).
    insert_event_aged(&app, "fresh_event", DAY).await;
    let deleted = app::ssr::audit::sweep(&app.state.db, DAY * 28)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(stored_kinds(&app).await, ["fresh_event"]);
}
