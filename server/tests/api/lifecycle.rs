//! Revocation reaching page guards, login throttling and the audit log.

use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_signed_out_access_token_is_refused_by_page_guards_at_once() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let copy = app.access_token_copy(&browser);
    assert_eq!(copy.get("/dashboard").await.status(), StatusCode::OK);

    assert_eq!(
        browser.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    let response = copy.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
    assert_audit_has(
        &app,
        "signed_out",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}

#[tokio::test]
async fn signing_out_everywhere_refuses_every_access_token_of_the_user_on_pages() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_in("ada@example.com", Role::User).await;
    let phone = app.signed_in_again("ada@example.com").await;
    let other_user = app.signed_in("bob@example.com", Role::User).await;
    let phone_copy = app.access_token_copy(&phone);

    assert_eq!(
        laptop.post_form("/api/logout_all", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        phone_copy.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.access_token_copy(&other_user)
            .get("/dashboard")
            .await
            .status(),
        StatusCode::OK
    );

    // Signing in again right away works: the new login starts in the new epoch.
    let again = app.signed_in_again("ada@example.com").await;
    assert_eq!(
        app.access_token_copy(&again)
            .get("/dashboard")
            .await
            .status(),
        StatusCode::OK
    );
}

/// A sign-in racing something else: when it was sent and answered, and how.
struct Racer {
    browser: Browser,
    status: StatusCode,
    sent: Instant,
    answered: Instant,
}

/// An app that hashes passwords at their real cost (the `dev` profile), one at a time, so
/// sign-ins queue at the hasher and can be caught in the middle of their password check.
async fn app_with_slow_password_checks() -> TestApp {
    TestApp::spawn_with(&[
        ("APP_ENV", "dev"),
        ("PASSWORD_HASH_CONCURRENCY", "1"),
        ("LOGIN_MAX_FAILURES", "100"),
    ])
    .await
}

/// How long one password check takes on `app` (a wrong password for an unknown email; the
/// quickest of three, as a busy machine only ever makes one slower).
async fn one_password_check(app: &TestApp) -> Duration {
    let mut quickest = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        app.browser()
            .post_login("nobody@example.com", "not the password", None)
            .await;
        quickest = quickest.min(started.elapsed());
    }
    quickest
}

/// When the racing requests go out, from the start of the race.
struct Schedule {
    /// The first sign-in, then one every `spacing`, `count` in all.
    first_sign_in: Duration,
    spacing: Duration,
    count: u32,
    ending: Duration,
}

/// Sends sign-ins to `email` with `PASSWORD` and `ending` as `schedule` says; returns every
/// sign-in and when `ending` was sent and answered, or `None` when the hashing queue was full
/// when `ending` asked for its place (a password change hashes too, so on a machine slower than
/// `schedule` expected the sign-ins can fill the queue first and it is shed with 503, as
/// designed): then the race was not staged.
async fn sign_ins_racing(
    app: &TestApp,
    email: &str,
    schedule: Schedule,
    ending: impl std::future::Future<Output = reqwest::Response>,
) -> Option<(Vec<Racer>, Instant, Instant)> {
    let racers = (0..schedule.count).map(|index| async move {
        tokio::time::sleep(schedule.first_sign_in + schedule.spacing * index).await;
        let browser = app.browser();
        let sent = Instant::now();
        let status = browser.post_login(email, PASSWORD, None).await.status();
        Racer {
            browser,
            status,
            sent,
            answered: Instant::now(),
        }
    });
    let ending = async {
        tokio::time::sleep(schedule.ending).await;
        let sent = Instant::now();
        let status = ending.await.status();
        (sent, Instant::now(), status)
    };
    let (racers, (sent, answered, status)) =
        tokio::join!(futures::future::join_all(racers), ending);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    assert_eq!(status, StatusCode::OK, "the ending went through");
    Some((racers, sent, answered))
}

/// Whether `browser`'s login (made on the `dev` profile's cookies) is over: its access token
/// refused on its own, its refresh token refused.
async fn assert_signed_out(app: &TestApp, browser: &Browser) {
    let copy = app.browser();
    copy.set_cookie("access_token", &browser.cookie("access_token").unwrap());
    assert_eq!(copy.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Runs `attempt` (a fresh app each time) until it reports that the race it stages happened, at
/// most six times: on a busy machine the timing it aims for is sometimes missed, and a run in
/// which the race never happened would prove nothing. Every attempt checks its outcome anyway.
async fn until_raced<F, Fut>(attempt: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..6 {
        if attempt().await {
            return;
        }
    }
    panic!("the race was not staged in six attempts");
}

#[tokio::test]
async fn sign_ins_under_way_during_sign_out_everywhere_end_with_the_others() {
    until_raced(|| async {
        let app = app_with_slow_password_checks().await;
        let owner = app.signed_in("ada@example.com", Role::User).await;
        let check = one_password_check(&app).await;
        // Three sign-ins queue at the hasher; the sign-out lands while the later ones wait, half
        // a password check after the last was sent (the rule goes by when each request reached
        // the server, so a send time close to the sign-out's could fall on either side).
        let Some((racers, ending_sent, ending_answered)) = sign_ins_racing(
            &app,
            "ada@example.com",
            Schedule {
                first_sign_in: Duration::ZERO,
                spacing: check / 4,
                count: 3,
                ending: check,
            },
            owner.post_form("/api/logout_all", &[]),
        )
        .await
        else {
            return false;
        };
        let sent_before: Vec<&Racer> = racers.iter().filter(|r| r.sent < ending_sent).collect();
        // A sign-in sent before the sign-out was still under way when it finished.
        let raced = sent_before.iter().any(|r| r.answered > ending_answered);
        for racer in sent_before {
            assert_eq!(racer.status, StatusCode::OK);
            assert_signed_out(&app, &racer.browser).await;
        }
        // A sign-in that starts afterwards is unaffected.
        let after = app.signed_in_again("ada@example.com").await;
        assert_eq!(after.post_me().await.status(), StatusCode::OK);
        raced
    })
    .await;
}

#[tokio::test]
async fn sign_ins_with_the_old_password_under_way_during_a_change_end_with_it() {
    until_raced(|| async {
        let app = app_with_slow_password_checks().await;
        let owner = app.signed_in("ada@example.com", Role::User).await;
        let check = one_password_check(&app).await;
        // The change checks the current password, then hashes the new one; sign-ins sent while
        // it hashes read the old hash and queue at the hasher behind it.
        let Some((racers, _, change_answered)) = sign_ins_racing(
            &app,
            "ada@example.com",
            Schedule {
                first_sign_in: check * 4 / 5,
                spacing: check / 4,
                count: 5,
                ending: Duration::ZERO,
            },
            owner.post_form(
                "/api/change_password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "a brand new passphrase"),
                ],
            ),
        )
        .await
        else {
            return false;
        };
        // Accepted means it read the old hash, so its check began before the change took
        // effect; one still under way when the change finished is the race.
        let accepted: Vec<&Racer> = racers
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .collect();
        let raced = accepted.iter().any(|r| r.answered > change_answered);
        for racer in accepted {
            assert_signed_out(&app, &racer.browser).await;
        }
        assert_eq!(
            owner.post_me().await.status(),
            StatusCode::OK,
            "the changer stays in"
        );
        raced
    })
    .await;
}

/// The rule the two races above rely on, without timing: a login whose password check began
/// before a sign-out everywhere is over however late it starts, and one that began at the
/// cutoff (a password change signing its own device in again) is live.
#[tokio::test]
async fn a_login_whose_check_began_before_the_cutoff_is_over_however_late_it_starts() {
    use app::auth::Viewer;
    use app::ssr::sessions::ClientInfo;
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let user_id: i64 = json(browser.post_me().await).await["id"].as_i64().unwrap();
    let viewer = Viewer {
        user_id,
        role: Role::User,
    };
    let sessions = &app.state.sessions;

    let checked_from = app::ssr::platform::clock::now_micros();
    let cutoff = sessions.revoke_all(user_id).await.unwrap();
    let late = sessions
        .start(
            &viewer,
            ClientInfo::default(),
            checked_from,
            Default::default(),
            false,
        )
        .await
        .unwrap();
    assert!(!sessions
        .login_alive(user_id, &late.record.family)
        .await
        .unwrap());
    let own_device = sessions
        .start(
            &viewer,
            ClientInfo::default(),
            cutoff,
            Default::default(),
            false,
        )
        .await
        .unwrap();
    assert!(sessions
        .login_alive(user_id, &own_device.record.family)
        .await
        .unwrap());
}

#[tokio::test]
async fn repeated_wrong_passwords_block_the_account_with_429_and_retry_after() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3"), ("LOGIN_BLOCK", "2")]).await;
    app.create_user("ada@example.com", Role::User).await;
    let browser = app.browser();
    for _ in 0..3 {
        let response = browser
            .post_login("ada@example.com", "wrong password", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    // Blocked now, even with the right password.
    let response = browser.post_login("ada@example.com", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = retry_after(&response);
    assert!((1..=3).contains(&retry_after), "Retry-After: {retry_after}");
    let body = json(response).await;
    assert!(
        body["message"].as_str().unwrap().contains("Try again in"),
        "{body}"
    );

    // Another account from the same address is not affected.
    let bob = app.signed_in("bob@example.com", Role::User).await;
    assert_eq!(bob.post_me().await.status(), StatusCode::OK);

    // The block ends by itself, and a success clears the failures.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(
        browser
            .post_login("ada@example.com", PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );
    // Cleared: two more failures stay under the limit of three, and the right password still
    // gets in. Had the count been kept, the first of them would have blocked the account again.
    for _ in 0..2 {
        let response = browser
            .post_login("ada@example.com", "wrong password", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = browser.post_login("ada@example.com", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_audit_has(&app, "sign_in_throttled", None).await;
}

/// Twenty wrong guesses sent at once, released together: only as many as the account's limit
/// have their password checked (401); the others are refused unchecked (429), because each
/// attempt is counted before its check, not after it fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_parallel_burst_of_guesses_gets_no_more_checks_than_the_limit() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_MAX_FAILURES", "5"),
        // Room in the hashing queue for the whole burst: nothing is shed with 503.
        ("PASSWORD_HASH_CONCURRENCY", "8"),
    ])
    .await;
    app.create_user("ada@example.com", Role::User).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let guesses: Vec<_> = (0..20)
        .map(|n| {
            let (browser, barrier) = (app.browser(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let guess = format!("wrong password {n}");
                browser
                    .post_login("ada@example.com", &guess, None)
                    .await
                    .status()
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for guess in guesses {
        *statuses.entry(guess.await.unwrap().as_u16()).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&401), Some(&5), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&15), "{statuses:?}");
}

#[tokio::test]
async fn a_full_hashing_queue_sheds_sign_ins_with_503_and_a_spread_out_retry_after() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    // Every place in the hashing queue taken, as by a storm of sign-ins still hashing.
    let held: Vec<_> = std::iter::from_fn(|| app.state.passwords.queue_slot().ok()).collect();
    assert!(!held.is_empty());

    let mut waits = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let response = app
            .browser()
            .post_login("ada@example.com", PASSWORD, None)
            .await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let wait = retry_after(&response);
        assert!((1..=3).contains(&wait), "Retry-After: {wait}");
        waits.insert(wait);
        assert_eq!(json(response).await["code"], "unavailable");
    }
    // Not one wait for everyone, so refused clients do not all return at once (30 equal draws
    // out of 3 values would happen once in 3^29 runs).
    assert!(waits.len() > 1, "{waits:?}");

    // A shed sign-in is not a failed one: once the queue drains, the account signs in.
    drop(held);
    app.signed_in_again("ada@example.com").await;
}

#[tokio::test]
async fn failures_across_many_accounts_block_the_address_at_its_own_limit() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES_PER_IP", "4")]).await;
    let browser = app.browser();
    for n in 0..4 {
        let response = browser
            .post_login(&format!("guess{n}@example.com"), "wrong password", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    app.create_user("ada@example.com", Role::User).await;
    let response = browser.post_login("ada@example.com", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A wrong sign-in forwarded by a proxy as coming from `client` (header `X-Forwarded-For`).
async fn guess_from(app: &TestApp, client: &str, email: &str) -> StatusCode {
    let form = [("email", email), ("password", "wrong password")];
    let request = app.browser().same_origin_post("/api/login").form(&form);
    let response = app
        .browser()
        .send(request.header("x-forwarded-for", client))
        .await;
    response.status()
}

/// Behind one trusted proxy, each client is throttled by its own address (all connections come
/// from the proxy), IPv6 clients by their /64; without the setting the header is not believed.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_IP", "3"),
        ("TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    for n in 0..3 {
        let email = format!("g{n}@example.com");
        let guess = guess_from(&app, "198.51.100.1, 203.0.113.1", &email).await;
        assert_eq!(guess, StatusCode::UNAUTHORIZED);
    }
    // The guesser's address is blocked, whatever it writes in front of the proxy's entry.
    let blocked = guess_from(&app, "192.0.2.50, 203.0.113.1", "x@example.com").await;
    assert_eq!(blocked, StatusCode::TOO_MANY_REQUESTS);
    // Another client through the same proxy is not.
    let other = guess_from(&app, "203.0.113.2", "y@example.com").await;
    assert_eq!(other, StatusCode::UNAUTHORIZED);

    for n in 0..3 {
        let client = format!("2001:db8:1:2::{n}");
        let guess = guess_from(&app, &client, &format!("v6-{n}@example.com")).await;
        assert_eq!(guess, StatusCode::UNAUTHORIZED);
    }
    let same_64 = guess_from(&app, "2001:db8:1:2:ffff:ffff:ffff:ffff", "z@example.com").await;
    assert_eq!(
        same_64,
        StatusCode::TOO_MANY_REQUESTS,
        "one /64, one subscriber"
    );
    let next_64 = guess_from(&app, "2001:db8:1:3::1", "z@example.com").await;
    assert_eq!(next_64, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_does_not_escape_the_throttle() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES_PER_IP", "3")]).await;
    for n in 0..3 {
        let client = format!("203.0.113.{n}");
        let guess = guess_from(&app, &client, &format!("g{n}@example.com")).await;
        assert_eq!(guess, StatusCode::UNAUTHORIZED);
    }
    let another_disguise = guess_from(&app, "203.0.113.99", "x@example.com").await;
    assert_eq!(another_disguise, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_forwarded_address_counts_only_on_connections_from_the_named_proxies() {
    // The suite's requests come from 127.0.0.1: not the proxies' network, so the header is
    // ignored and every disguise is one client; named as a proxy, each is its own.
    for (proxies, disguises_escape) in [("10.0.0.0/8", false), ("127.0.0.0/8", true)] {
        let app = TestApp::spawn_with(&[
            ("LOGIN_MAX_FAILURES_PER_IP", "3"),
            ("TRUSTED_PROXY_HOPS", "1"),
            ("TRUSTED_PROXIES", proxies),
        ])
        .await;
        for n in 0..3 {
            let client = format!("203.0.113.{n}");
            let guess = guess_from(&app, &client, &format!("g{n}@example.com")).await;
            assert_eq!(guess, StatusCode::UNAUTHORIZED, "{proxies}");
        }
        let another = guess_from(&app, "203.0.113.99", "x@example.com").await;
        let expected = if disguises_escape {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(another, expected, "{proxies}");
    }
}

/// A sign-in by `browser` forwarded by a proxy as coming from `client`; its answer's status.
async fn sign_in_from(browser: &Browser, client: &str, email: &str, password: &str) -> StatusCode {
    let form = [("email", email), ("password", password)];
    let request = browser.same_origin_post("/api/login").form(&form);
    browser
        .send(request.header("x-forwarded-for", client))
        .await
        .status()
}

/// An app behind one trusted proxy, so each test chooses where each request comes from.
async fn app_behind_a_proxy(extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![("TRUSTED_PROXY_HOPS", "1"), ("LOGIN_MAX_FAILURES", "3")];
    vars.extend_from_slice(extra);
    TestApp::spawn_with(&vars).await
}

const OWNER_ADDRESS: &str = "203.0.113.10";
const GUESSER_ADDRESS: &str = "198.51.100.66";

/// Guesses wrong from `client` until refused; returns how many were checked (401).
async fn guess_until_blocked(browser: &Browser, client: &str, email: &str) -> usize {
    for checked in 0..20 {
        match sign_in_from(browser, client, email, "not the password").await {
            StatusCode::UNAUTHORIZED => continue,
            StatusCode::TOO_MANY_REQUESTS => return checked,
            other => panic!("unexpected {other}"),
        }
    }
    panic!("never blocked");
}

#[tokio::test]
async fn a_guesser_blocks_itself_not_the_owner_on_a_device_that_signed_in_before() {
    let app = app_behind_a_proxy(&[]).await;
    app.create_user("ada@example.com", Role::User).await;
    // The owner's laptop signed in once, then out; it stays a known device.
    let laptop = app.browser();
    let status = sign_in_from(&laptop, OWNER_ADDRESS, "ada@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        laptop.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );

    // A guesser at the same address as the owner.
    let guesser = app.browser();
    assert_eq!(
        guess_until_blocked(&guesser, OWNER_ADDRESS, "ada@example.com").await,
        3
    );
    assert_eq!(
        sign_in_from(&guesser, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "blocked even with the right password"
    );
    // A made-up device cookie changes nothing.
    guesser.set_cookie("__Host-known_device", "forged.1700000000.00ff");
    assert_eq!(
        sign_in_from(&guesser, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // The laptop gets in, and its success does not lift the guesser's block.
    assert_eq!(
        sign_in_from(&laptop, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(laptop.post_me().await.status(), StatusCode::OK);
    assert_eq!(
        sign_in_from(&guesser, OWNER_ADDRESS, "ada@example.com", "another guess").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The device cookie is worth nothing on another account.
    app.create_user("bob@example.com", Role::User).await;
    assert_eq!(
        guess_until_blocked(&laptop, OWNER_ADDRESS, "bob@example.com").await,
        3
    );
}

#[tokio::test]
async fn a_browser_known_under_the_old_password_is_a_stranger_after_a_new_one() {
    // A thief who once signed in with a stolen password keeps no budget of guesses of its own
    // once the owner changes it: its wrong guesses count with every stranger's at its address.
    let app = app_behind_a_proxy(&[]).await;
    let owner = app.signed_in("ada@example.com", Role::User).await;
    let thief = app.browser();
    let status = sign_in_from(&thief, GUESSER_ADDRESS, "ada@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let form = [
        ("current_password", PASSWORD),
        ("new_password", "the owner's fresh passphrase"),
    ];
    let changed = owner.post_form("/api/change_password", &form).await;
    assert_eq!(changed.status(), StatusCode::OK);

    assert_eq!(
        guess_until_blocked(&thief, GUESSER_ADDRESS, "ada@example.com").await,
        3
    );
    let stranger = app.browser();
    let status = sign_in_from(
        &stranger,
        GUESSER_ADDRESS,
        "ada@example.com",
        "the owner's fresh passphrase",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the thief's guesses were a stranger's"
    );
    // The owner's own browser, known under the new password, still gets in from there.
    let status = sign_in_from(
        &owner,
        GUESSER_ADDRESS,
        "ada@example.com",
        "the owner's fresh passphrase",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_owner_from_another_address_gets_in_while_the_guesser_stays_blocked() {
    let app = app_behind_a_proxy(&[]).await;
    app.create_user("ada@example.com", Role::User).await;
    let guesser = app.browser();
    assert_eq!(
        guess_until_blocked(&guesser, GUESSER_ADDRESS, "ada@example.com").await,
        3
    );

    let new_phone = app.browser();
    assert_eq!(
        sign_in_from(&new_phone, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        sign_in_from(&app.browser(), GUESSER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's address stays blocked for this account"
    );
}

#[tokio::test]
async fn guesses_spread_over_many_addresses_block_unknown_browsers_but_not_known_devices() {
    // Within the window (15 minutes, doubling blocks up to it), and within a day (a block for a
    // day, however slowly the guesses came).
    for (limit, waits) in [
        ("LOGIN_MAX_FAILURES_ACCOUNT_WIDE", 1..=901),
        ("LOGIN_MAX_FAILURES_PER_DAY", 86_000..=86_401),
    ] {
        let app =
            app_behind_a_proxy(&[("LOGIN_MAX_FAILURES_ACCOUNT_WIDE", "1000"), (limit, "6")]).await;
        app.create_user("ada@example.com", Role::User).await;
        let laptop = app.browser();
        let status = sign_in_from(&laptop, OWNER_ADDRESS, "ada@example.com", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{limit}");
        for n in 0..6 {
            let client = format!("192.0.2.{n}");
            let guess = "not the password";
            let status = sign_in_from(&app.browser(), &client, "ada@example.com", guess).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{limit}: one guess from each address"
            );
        }
        let form = [("email", "ada@example.com"), ("password", PASSWORD)];
        let stranger = app.browser();
        let request = stranger.same_origin_post("/api/login").form(&form);
        let refused = stranger
            .send(request.header("x-forwarded-for", "192.0.2.200"))
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{limit}: the account is blocked for browsers it does not know"
        );
        let wait = retry_after(&refused);
        assert!(waits.contains(&wait), "{limit}: Retry-After {wait}");
        assert_eq!(
            sign_in_from(&laptop, "192.0.2.201", "ada@example.com", PASSWORD).await,
            StatusCode::OK,
            "{limit}: its known device still gets in, from anywhere"
        );
    }
}

#[tokio::test]
async fn a_known_device_that_guesses_wrong_is_blocked_by_its_own_count() {
    let app = app_behind_a_proxy(&[]).await;
    app.create_user("ada@example.com", Role::User).await;
    let laptop = app.browser();
    let phone = app.browser();
    for device in [&laptop, &phone] {
        let status = sign_in_from(device, OWNER_ADDRESS, "ada@example.com", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Say the laptop was stolen: its cookie gets the thief no more guesses than anyone.
    assert_eq!(
        guess_until_blocked(&laptop, OWNER_ADDRESS, "ada@example.com").await,
        3
    );
    assert_eq!(
        sign_in_from(&laptop, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&phone, OWNER_ADDRESS, "ada@example.com", PASSWORD).await,
        StatusCode::OK
    );
}

/// The store's throttle keys name an account by a keyed hash: neither the email nor its plain
/// SHA-256, which anyone with a list of emails could match, appears in them.
#[tokio::test]
async fn throttle_keys_name_accounts_by_a_keyed_hash() {
    use app::ssr::input::Email;
    use app::ssr::settings::{Secret, ThrottleLimits};
    use app::ssr::throttle::{Attempt, LoginThrottle};
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let store = server::backends::sql::coordination::SqlCoordination::new(app.state.db.clone());
    let throttle = LoginThrottle::new(
        std::sync::Arc::new(store),
        ThrottleLimits::DEFAULT,
        &Secret::new(JWT_SECRET),
    );
    let email = Email::parse("ada@example.com").unwrap();
    let attempt = Attempt {
        email: &email,
        ip: Some("203.0.113.5"),
        known_device: None,
    };
    assert_eq!(throttle.admit(&attempt).await.unwrap(), None);
    throttle.failed(&attempt).await.unwrap();

    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM auth_counters")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(
        keys.iter()
            .any(|key| key.starts_with("login-failures:account:")),
        "{keys:?}"
    );
    let plain: String = Sha256::digest(email.as_str().as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    for key in &keys {
        assert!(!key.contains("ada") && !key.contains(&plain), "{key}");
    }
}

/// A stolen session cannot guess the password through the forms that ask for it: those checks
/// count against the account like sign-ins, are audited, and are refused once over the limit.
#[tokio::test]
async fn current_password_checks_are_throttled_and_audited() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    let thief = app.signed_in("ada@example.com", Role::User).await;
    let guess = |n: usize| {
        let form = [
            ("current_password", format!("guess {n}")),
            ("new_password", "a brand new passphrase".to_owned()),
        ];
        let request = thief.same_origin_post("/api/change_password").form(&form);
        thief.send(request)
    };
    for n in 0..3 {
        assert_eq!(guess(n).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let refused = guess(3).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    // Erasing the account asks for the same password, under the same count.
    let erase = thief
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erase.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_audit_has(
        &app,
        "password_check_failed",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
    assert_audit_has(
        &app,
        "password_check_throttled",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}

/// One address may create only so many accounts per window: sign-ups cannot fill the hashing
/// queue or test emails for "taken" in bulk. Other addresses are not affected.
#[tokio::test]
async fn registrations_from_one_address_are_limited_and_audited() {
    let app =
        TestApp::spawn_with(&[("REGISTER_MAX_PER_IP", "3"), ("TRUSTED_PROXY_HOPS", "1")]).await;
    let register = |client: &'static str, n: usize| {
        let browser = app.browser();
        async move {
            let form = [
                ("email", format!("new{n}@example.com")),
                ("password", PASSWORD.to_owned()),
            ];
            let request = browser.same_origin_post("/api/register").form(&form);
            browser
                .send(request.header("x-forwarded-for", client))
                .await
        }
    };
    for n in 0..3 {
        assert_eq!(register("203.0.113.1", n).await.status(), StatusCode::OK);
    }
    let refused = register("203.0.113.1", 3).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    assert_eq!(register("203.0.113.2", 4).await.status(), StatusCode::OK);
    assert_audit_has(&app, "registration_throttled", None).await;
}

#[tokio::test]
async fn the_audit_log_records_sign_ins_and_is_for_administrators_only() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let response = user
        .post_login("ada@example.com", "wrong password", None)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.browser()
            .post_login("nobody@example.com", "wrong password", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        user.post_form("/api/audit", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let ada = app.user_id("ada@example.com").await;
    assert_audit_has(&app, "sign_in_succeeded", Some(ada)).await;
    assert_audit_has(&app, "sign_in_failed", Some(ada)).await;
    assert_audit_has(&app, "sign_in_failed", None).await;

    // Nothing secret is in it: no tokens, no password hashes.
    let admin = app.signed_in("grace@example.com", Role::Admin).await;
    let events = admin
        .post_form("/api/audit", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_keeps_secrets(&events, &user);
    assert_keeps_secrets(&events, &admin);
    assert!(!events.contains("argon2"));
}

#[tokio::test]
async fn refused_authorisations_are_audited() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        user.post_form("/api/users", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_audit_has(
        &app,
        "access_denied",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}
