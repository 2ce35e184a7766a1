//! `MFA_REQUIRED_ROLES`: a login of such a role without a second factor can only set one up.

use super::*;
use app::auth::Role;

#[tokio::test]
async fn a_role_that_requires_two_step_confines_its_logins_to_setting_it_up() {
    let app = TestApp::spawn_with(&[("MFA_REQUIRED_ROLES", "admin")]).await;
    clear_of_step_end(3).await;
    let admin = app.signed_in("must-enrol@example.com", Role::Admin).await;
    assert_eq!(
        claims_in(&admin.cookie(ACCESS_COOKIE).unwrap())["enrol"],
        true
    );
    let page = admin.get("/dashboard").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/account/security/totp");
    assert_eq!(
        admin.get("/account/security").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin.get("/").await.status(),
        StatusCode::OK,
        "public pages stay open"
    );
    let refused = admin.post_form("/api/users", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "mfa_enrollment_required");
    assert_eq!(admin.post_me().await.status(), StatusCode::OK);

    // Other roles are not confined.
    let user = app.signed_in("free@example.com", Role::User).await;
    assert!(claims_in(&user.cookie(ACCESS_COOKIE).unwrap())["enrol"].is_null());
    assert_eq!(user.get("/dashboard").await.status(), StatusCode::OK);

    // Once set up, the same login goes on; turning it off is refused.
    enrol_with(&admin, 0).await;
    assert!(claims_in(&admin.cookie(ACCESS_COOKIE).unwrap())["enrol"].is_null());
    assert_eq!(
        admin.post_form("/api/users", &[]).await.status(),
        StatusCode::OK
    );
    let off = admin.post_form("/api/disable_totp", &[]).await;
    assert_eq!(off.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(off).await["code"], "mfa_required_for_role");
}

#[test]
fn only_known_roles_may_be_required_to_use_two_step() {
    let parse = |value: &str| {
        server::config::Config::from_lookup(|name| {
            (name == "MFA_REQUIRED_ROLES").then(|| value.to_owned())
        })
    };
    assert_eq!(
        parse("admin").unwrap().auth.mfa_required_roles,
        [Role::Admin]
    );
    assert_eq!(
        parse(" user , admin ").unwrap().auth.mfa_required_roles,
        [Role::User, Role::Admin]
    );
    assert!(parse("root").is_err());
}
