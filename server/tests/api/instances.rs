//! Two server processes sharing one database and one session store act as one app.

use crate::helpers::*;
use crate::processes::{RedisProcess, ServerProcess};
use reqwest::StatusCode;

#[tokio::test]
async fn two_instances_share_logins_refreshes_and_logouts() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let redis = RedisProcess::start().await;
    let redis_url = redis.url();
    let shared = [
        ("APP_ENV", "test"),
        ("JWT_SECRET", JWT_SECRET),
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
    ];
    let first = ServerProcess::start(&shared).await;
    let second = ServerProcess::start(&shared).await;

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
