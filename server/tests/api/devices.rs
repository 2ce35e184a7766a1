//! The signed-in user's devices list: every login shown, one ended, all others ended, and the
//! password change that ends every other login.

use crate::helpers::*;
use app::auth::Role;
use reqwest::header::USER_AGENT;
use reqwest::StatusCode;
use serde_json::Value;

/// Signs `email` in from a browser that calls itself `user_agent`.
async fn sign_in_as_device(app: &TestApp, email: &str, user_agent: &str) -> Browser {
    let browser = app.browser();
    let request = browser
        .same_origin_post("/api/login")
        .header(USER_AGENT, user_agent)
        .form(&[("email", email), ("password", PASSWORD)]);
    assert_eq!(browser.send(request).await.status(), StatusCode::OK);
    browser
}

async fn sessions(browser: &Browser) -> Vec<Value> {
    let response = browser.post_form("/api/sessions", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_array().unwrap().clone()
}

fn handle_of<'a>(sessions: &'a [Value], user_agent: &str) -> &'a str {
    sessions
        .iter()
        .find(|session| session["user_agent"] == user_agent)
        .and_then(|session| session["handle"].as_str())
        .unwrap()
}

#[tokio::test]
async fn the_devices_list_shows_each_login_with_the_current_one_marked() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let laptop = sign_in_as_device(&app, "ada@example.com", "Laptop browser").await;
    let _phone = sign_in_as_device(&app, "ada@example.com", "Phone browser").await;
    let _other_user = app.signed_in("bob@example.com", Role::User).await;

    let listed = sessions(&laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<_> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "Laptop browser");
    let phone = listed
        .iter()
        .find(|s| s["user_agent"] == "Phone browser")
        .unwrap();
    assert_eq!(phone["ip"], "127.0.0.1");
    assert!(phone["started_at"].as_i64().unwrap() > 0);
    assert!(phone["last_used_at"].as_i64().unwrap() >= phone["started_at"].as_i64().unwrap());
    // Handles name logins without being credentials: no token and no family id appears.
    let body = serde_json::to_string(&listed).unwrap();
    assert_keeps_secrets(&body, &laptop);
}

#[tokio::test]
async fn ending_one_device_signs_it_out_everywhere_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let laptop = sign_in_as_device(&app, "ada@example.com", "Laptop browser").await;
    let phone = sign_in_as_device(&app, "ada@example.com", "Phone browser").await;
    let phone_page = app.access_token_copy(&phone);

    let listed = sessions(&laptop).await;
    let handle = handle_of(&listed, "Phone browser");
    let response = laptop
        .post_form("/api/revoke_session", &[("handle", handle)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    assert_eq!(phone.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        phone_page.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(laptop.post_me().await.status(), StatusCode::OK);
    assert_eq!(sessions(&laptop).await.len(), 1);

    // Handles of nobody's login, or of someone else's, end nothing.
    let unknown = laptop
        .post_form("/api/revoke_session", &[("handle", "000000000000")])
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bob = app.signed_in("bob@example.com", Role::User).await;
    let bob_handle = sessions(&bob).await[0]["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = laptop
        .post_form("/api/revoke_session", &[("handle", &bob_handle)])
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert_eq!(bob.post_me().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_login() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let laptop = sign_in_as_device(&app, "ada@example.com", "Laptop browser").await;
    let phone = sign_in_as_device(&app, "ada@example.com", "Phone browser").await;
    let tablet = sign_in_as_device(&app, "ada@example.com", "Tablet browser").await;

    assert_eq!(
        laptop.post_form("/api/logout_others", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(phone.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(tablet.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.post_me().await.status(), StatusCode::OK);
    assert_eq!(
        laptop.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    let listed = sessions(&laptop).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["current"], true);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_every_other_login() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let laptop = sign_in_as_device(&app, "ada@example.com", "Laptop browser").await;
    let phone = sign_in_as_device(&app, "ada@example.com", "Phone browser").await;
    let change = |current: &'static str, new: &'static str| {
        let laptop = laptop.clone();
        async move {
            laptop
                .post_form(
                    "/api/change_password",
                    &[("current_password", current), ("new_password", new)],
                )
                .await
        }
    };

    let wrong = change("not my password", "a brand new passphrase").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(wrong).await["field"], "current_password");
    let short = change(PASSWORD, "short").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(short).await["field"], "new_password");
    let own_email = change(PASSWORD, "ada@example.com").await;
    assert_eq!(own_email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(own_email).await["field"], "new_password");
    assert_eq!(
        phone.post_me().await.status(),
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = change(PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(phone.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.post_me().await.status(), StatusCode::OK);

    let fresh = app.browser();
    assert_eq!(
        fresh
            .post_login("ada@example.com", PASSWORD, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .post_login("ada@example.com", "a brand new passphrase", None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn erasing_the_account_needs_the_password_and_ends_everything() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let erased_id = app.user_id("ada@example.com").await;
    let laptop = sign_in_as_device(&app, "ada@example.com", "Laptop browser").await;
    let phone = sign_in_as_device(&app, "ada@example.com", "Phone browser").await;

    let wrong = laptop
        .post_form("/api/delete_account", &[("password", "not my password")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(laptop.post_me().await.status(), StatusCode::OK);

    let erased = laptop
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(laptop.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(phone.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.browser()
            .post_login("ada@example.com", PASSWORD, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The email is free again.
    assert_eq!(
        app.browser()
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );

    // The audit trail keeps the events, without the person's address or device.
    assert_audit_has(&app, "account_erased", Some(erased_id)).await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let events = json(admin.post_form("/api/audit", &[]).await).await;
    let erased_user_events: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["user_id"] == 1)
        .collect();
    assert!(!erased_user_events.is_empty());
    assert!(
        erased_user_events
            .iter()
            .all(|event| event["ip"].is_null() && event["user_agent"].is_null()),
        "{erased_user_events:?}"
    );
}

/// Every stored session value, as raw bytes: the Redis keys when sessions live in Redis, else the
/// session table of the database.
async fn stored_session_values(app: &TestApp) -> Vec<Vec<u8>> {
    if let Some(redis) = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        let cli = |args: &[&str]| {
            let output = std::process::Command::new("redis-cli")
                .args(["-u", &redis, "--raw"])
                .args(args)
                .output()
                .expect("redis-cli");
            output.stdout
        };
        let keys = String::from_utf8(cli(&["--scan"])).unwrap();
        return keys.lines().map(|key| cli(&["GET", key])).collect();
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let table = if app.database_url.starts_with("sqlite") {
        "tower_sessions"
    } else {
        "tower_sessions.session"
    };
    sqlx::query_scalar(&format!("SELECT data FROM {table}"))
        .fetch_all(&pool)
        .await
        .unwrap()
}

/// Erasure takes the device details (browser, address) out of the session store at once, not
/// when the records would expire.
#[tokio::test]
async fn erasing_the_account_removes_its_device_details_from_the_session_store() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let device = format!(
        "ErasureProbe/{}",
        app::ssr::platform::random::random_token()
    );
    let browser = app.browser();
    let form = [("email", "ada@example.com"), ("password", PASSWORD)];
    let request = browser.same_origin_post("/api/login").form(&form);
    let signed_in = browser.send(request.header("user-agent", &device)).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let mentions = |values: Vec<Vec<u8>>| {
        values
            .iter()
            .filter(|value| value.windows(device.len()).any(|w| w == device.as_bytes()))
            .count()
    };
    assert!(
        mentions(stored_session_values(&app).await) > 0,
        "stored while signed in"
    );

    let erased = browser
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(mentions(stored_session_values(&app).await), 0);
}
