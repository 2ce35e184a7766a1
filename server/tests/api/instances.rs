//! Two server processes sharing one database and one session backend act as one app, with
//! sessions in Redis and with sessions in the database alike.

use crate::helpers::*;
use crate::processes::{eventually, RedisProcess, ServerProcess};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Two instances of the app over one database, with or without a shared Redis.
struct Pair {
    first: ServerProcess,
    second: ServerProcess,
    database_url: String,
    _redis: Option<RedisProcess>,
    _dir: tempfile::TempDir,
}

impl Pair {
    async fn start(with_redis: bool) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database_url(dir.path()).await;
        let redis = if with_redis {
            Some(RedisProcess::start().await)
        } else {
            None
        };
        let redis_url = redis.as_ref().map(RedisProcess::url);
        let mut vars = vec![
            ("APP_ENV", "test"),
            ("JWT_SECRET", JWT_SECRET),
            ("DATABASE_URL", database_url.as_str()),
        ];
        if let Some(url) = &redis_url {
            vars.push(("REDIS_URL", url.as_str()));
        }
        Pair {
            first: ServerProcess::start(&vars).await,
            second: ServerProcess::start(&vars).await,
            database_url: database_url.clone(),
            _redis: redis,
            _dir: dir,
        }
    }
}

#[tokio::test]
async fn two_instances_share_logins_refreshes_and_logouts_with_redis() {
    share_logins_refreshes_and_logouts(Pair::start(true).await).await;
}

#[tokio::test]
async fn two_instances_share_logins_refreshes_and_logouts_with_the_database() {
    share_logins_refreshes_and_logouts(Pair::start(false).await).await;
}

async fn share_logins_refreshes_and_logouts(pair: Pair) {
    let Pair { first, second, .. } = &pair;

    let on_first = Browser::new(&first.address);
    assert_eq!(
        on_first
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let on_second = Browser::new(&second.address);
    for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
        on_second.set_cookie(name, &on_first.cookie(name).unwrap());
    }

    // A login made on one instance works on the other.
    assert_eq!(
        json(on_second.post_me().await).await["email"],
        "ada@example.com"
    );

    // A refresh on the second rotates the same session the first knows.
    let before = on_second.cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(
        on_second.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    let after = on_second.cookie(REFRESH_COOKIE).unwrap();
    assert_ne!(before, after);
    let late_tab = Browser::new(&first.address);
    late_tab.set_cookie(REFRESH_COOKIE, &before);
    assert_eq!(
        late_tab.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        late_tab.cookie(REFRESH_COOKIE).unwrap(),
        after,
        "the same successor, not a branch"
    );

    // A logout on the first ends the session on the second.
    on_first.set_cookie(REFRESH_COOKIE, &after);
    on_first.set_cookie(ACCESS_COOKIE, &on_second.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(
        on_first.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(on_second.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        on_second.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_refreshes_across_instances_yield_one_successor_with_redis() {
    refreshes_across_instances_yield_one_successor(Pair::start(true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_refreshes_across_instances_yield_one_successor_with_the_database() {
    refreshes_across_instances_yield_one_successor(Pair::start(false).await).await;
}

/// 20 refreshes of one token, released together by a barrier, alternating between instances.
async fn refreshes_across_instances_yield_one_successor(pair: Pair) {
    let browser = Browser::new(&pair.first.address);
    assert_eq!(
        browser
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let token = browser.cookie(REFRESH_COOKIE).unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let address = if n % 2 == 0 {
                &pair.first.address
            } else {
                &pair.second.address
            };
            let tab = Browser::new(address);
            tab.set_cookie(REFRESH_COOKIE, &token);
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let status = tab.post_form("/api/refresh", &[]).await.status();
                (status, tab.cookie(REFRESH_COOKIE))
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut successors = BTreeSet::new();
    for task in tasks {
        let (status, cookie) = task.await.unwrap();
        statuses.push(status);
        successors.insert(cookie);
    }
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(successors.len(), 1, "one lineage: {successors:?}");
    let survivor = Browser::new(&pair.second.address);
    survivor.set_cookie(
        REFRESH_COOKIE,
        successors.first().unwrap().as_ref().unwrap(),
    );
    assert_eq!(
        survivor.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_logout_on_one_instance_reaches_page_guards_on_the_other_with_redis() {
    logout_reaches_the_other_instance(Pair::start(true).await).await;
}

#[tokio::test]
async fn a_logout_on_one_instance_reaches_page_guards_on_the_other_with_the_database() {
    logout_reaches_the_other_instance(Pair::start(false).await).await;
}

/// The promise is one second (a 250 ms poll plus a store round trip); the test allows twice
/// that, as CI machines stall, and prints what it saw.
const REVOCATION_BOUND: Duration = Duration::from_secs(2);

async fn logout_reaches_the_other_instance(pair: Pair) {
    let on_first = Browser::new(&pair.first.address);
    assert_eq!(
        on_first
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let on_second = Browser::new(&pair.second.address);
    on_second.set_cookie(ACCESS_COOKIE, &on_first.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(on_second.get("/dashboard").await.status(), StatusCode::OK);

    assert_eq!(
        on_first.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    let started = Instant::now();
    let refused = eventually(REVOCATION_BOUND, || async {
        on_second.get("/dashboard").await.status() == StatusCode::SEE_OTHER
    })
    .await;
    println!(
        "revocation reached the other instance after {:?}",
        started.elapsed()
    );
    assert!(refused, "the other instance still served the page");
}

/// Each way an account's sessions end besides a plain sign-out (signing out everywhere, a new
/// password, a new role) reaches the page guards of the other instance within the bound.
#[tokio::test]
async fn every_way_of_ending_a_users_sessions_reaches_page_guards_on_the_other_instance() {
    let pair = Pair::start(true).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&pair.database_url).await.unwrap();
    let promote = |email: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
                .bind(email)
                .execute(&db)
                .await
                .unwrap();
        }
    };
    let sign_up = |email: &'static str| {
        let browser = Browser::new(&pair.first.address);
        async move {
            let status = browser.post_register(email, PASSWORD).await.status();
            assert_eq!(status, StatusCode::OK, "{email}");
            browser
        }
    };
    sign_up("root@example.com").await;
    promote("root@example.com").await;
    let admin = Browser::new(&pair.first.address);
    let status = admin
        .post_login("root@example.com", PASSWORD, None)
        .await
        .status();
    assert_eq!(status, StatusCode::OK);

    for (email, ending) in [
        ("everywhere@example.com", "sign out everywhere"),
        ("new-password@example.com", "a new password"),
        ("demoted@example.com", "a new role"),
    ] {
        let mut on_first = sign_up(email).await;
        let page = if ending == "a new role" {
            promote(email).await;
            on_first = Browser::new(&pair.first.address);
            let status = on_first.post_login(email, PASSWORD, None).await.status();
            assert_eq!(status, StatusCode::OK);
            "/admin"
        } else {
            "/dashboard"
        };
        let on_second = Browser::new(&pair.second.address);
        on_second.set_cookie(ACCESS_COOKIE, &on_first.cookie(ACCESS_COOKIE).unwrap());
        assert_eq!(
            on_second.get(page).await.status(),
            StatusCode::OK,
            "{ending}"
        );

        let status = match ending {
            "sign out everywhere" => on_first.post_form("/api/logout_all", &[]).await.status(),
            "a new password" => {
                let form = [
                    ("current_password", PASSWORD),
                    ("new_password", "a new passphrase of my own"),
                ];
                on_first
                    .post_form("/api/change_password", &form)
                    .await
                    .status()
            }
            _ => {
                let id = json(on_first.post_me().await).await["id"].to_string();
                let form = [("user_id", id.as_str()), ("role", "user")];
                admin.post_form("/api/set_role", &form).await.status()
            }
        };
        assert_eq!(status, StatusCode::OK, "{ending}");
        let refused = eventually(REVOCATION_BOUND, || async {
            on_second.get(page).await.status() != StatusCode::OK
        })
        .await;
        assert!(
            refused,
            "after {ending}, the other instance still served {page}"
        );
    }
}

/// Without `JWT_SECRET` (`dev`, `test`), the signing key is made at first start and kept in the
/// database: instances sharing it, and a restarted one, accept each other's tokens, and the key
/// is nobody's published constant.
#[tokio::test]
async fn without_jwt_secret_the_key_is_random_and_kept_with_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let vars = [("APP_ENV", "test"), ("DATABASE_URL", database_url.as_str())];
    let first = ServerProcess::start(&vars).await;
    let second = ServerProcess::start(&vars).await;

    let on_first = Browser::new(&first.address);
    assert_eq!(
        on_first
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let access = on_first.cookie(ACCESS_COOKIE).unwrap();
    let on_second = Browser::new(&second.address);
    on_second.set_cookie(ACCESS_COOKIE, &access);
    assert_eq!(
        on_second.post_me().await.status(),
        StatusCode::OK,
        "one key for both"
    );

    // A token signed with the value earlier versions published is refused.
    let published = "dev-only-secret-change-me-dev-only-secret-change-me";
    let forged = sign(&claims_in(&access), published, "at+jwt");
    let forger = Browser::new(&second.address);
    forger.set_cookie(ACCESS_COOKIE, &forged);
    assert_eq!(forger.post_me().await.status(), StatusCode::UNAUTHORIZED);

    // Restarted, the app still accepts the token it signed before.
    drop(first);
    drop(second);
    let restarted = ServerProcess::start(&vars).await;
    let after_restart = Browser::new(&restarted.address);
    after_restart.set_cookie(ACCESS_COOKIE, &access);
    assert_eq!(after_restart.post_me().await.status(), StatusCode::OK);

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&database_url).await.unwrap();
    let keys: Vec<(String, String)> =
        sqlx::query_as("SELECT name, value FROM server_secrets ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<&str> = keys.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["data_encryption_key", "jwt_signing_key"],
        "each key made once, the data key apart from the signing key"
    );
    assert!(
        keys.iter().all(|(_, value)| value.len() >= 43),
        "256 random bits"
    );
    assert_ne!(keys[0].1, keys[1].1);
}
