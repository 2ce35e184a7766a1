use crate::helpers::TestApp;
use crate::in_process::functions_serving_callers_they_do_not_admit;
use app::api::server_fn_policy;
use app::auth::Role;
use server::startup::{pages_without_policy, route_list};

/// The paths of the app's routes, as the server registers them.
fn route_paths() -> Vec<String> {
    route_list()
        .iter()
        .map(|route| route.path().to_owned())
        .collect()
}

#[test]
fn every_registered_server_function_declares_a_policy() {
    let paths: Vec<&str> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    assert!(
        paths.len() >= 6,
        "server functions are registered: {paths:?}"
    );
    let missing: Vec<_> = paths
        .iter()
        .filter(|path| server_fn_policy(path).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "server functions without a policy: {missing:?}"
    );
}

#[test]
fn every_registered_server_function_only_accepts_post() {
    for (path, method) in server_fn::axum::server_fn_paths() {
        assert_eq!(
            method,
            http::Method::POST,
            "{path} must not use a GET encoding"
        );
    }
}

#[test]
fn every_page_route_declares_a_policy() {
    let routes = route_paths();
    assert!(
        routes.iter().any(|path| path == "/admin"),
        "the route list is generated: {routes:?}"
    );
    assert_eq!(
        pages_without_policy(),
        Vec::<String>::new(),
        "routes without a row in app::pages::PAGES"
    );
}

#[tokio::test]
async fn every_role_of_the_code_is_a_row_of_the_roles_table() {
    let app = TestApp::spawn().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT name FROM roles ORDER BY name")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    let mut known: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
    known.sort();
    assert_eq!(stored, known);
}

#[test]
fn every_page_in_the_table_has_a_route() {
    let routes = route_paths();
    let unrouted: Vec<&str> = app::pages::all_pages()
        .map(|page| page.path)
        .filter(|path| !routes.iter().any(|route| route == path))
        .collect();
    assert!(
        unrouted.is_empty(),
        "rows of app::pages::PAGES without a route in app.rs: {unrouted:?}"
    );
}

#[tokio::test]
async fn a_page_for_some_roles_shows_other_roles_only_the_forbidden_page() {
    // The auth layer answers 403; the page itself must be replaced by the forbidden page, which
    // only the guarding parent route does: a route declared outside it would still render.
    let app = TestApp::spawn().await;
    let mut checked = 0;
    for path in route_paths() {
        let Some(app::auth::policy::Policy::AnyRole(admitted)) = app::pages::declared_policy(&path)
        else {
            continue;
        };
        let Some(outsider) = Role::ALL.iter().find(|role| !admitted.contains(role)) else {
            continue;
        };
        let email = format!("{}-{checked}@example.com", outsider.as_str());
        let browser = app.signed_in(&email, *outsider).await;
        let response = browser.get(&path).await;
        assert_eq!(response.status(), http::StatusCode::FORBIDDEN, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"data-testid="forbidden""#),
            "{path} rendered for a {} instead of the forbidden page",
            outsider.as_str()
        );
        checked += 1;
    }
    assert!(checked >= 1, "no page is limited to some roles");
}

#[tokio::test]
async fn every_function_body_refuses_the_callers_its_policy_does_not_admit() {
    // A page that calls a function while it renders reaches the body without the authorization
    // layer: the body's own `admitted_viewer::<F>()` is the only guard there.
    let app = TestApp::spawn().await;
    let served = functions_serving_callers_they_do_not_admit(&app.state, server_fn_policy).await;
    assert_eq!(
        served,
        Vec::<String>::new(),
        "bodies that serve callers their policy does not admit"
    );
}

#[test]
fn hand_copies_of_the_role_list_name_every_role() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let quoted_in = |line: &str, quote: char| -> Vec<String> {
        line.split(quote)
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let mut roles: Vec<String> = Role::ALL
        .iter()
        .map(|role| role.as_str().to_owned())
        .collect();
    roles.sort();
    let fixtures = read("end2end/support/fixtures.ts");
    let browser_type = fixtures
        .lines()
        .find(|line| line.starts_with("export type Role ="))
        .expect("end2end/support/fixtures.ts declares the Role type");
    let mut browser_roles = quoted_in(browser_type, '\'');
    browser_roles.sort();
    assert_eq!(
        browser_roles, roles,
        "end2end/support/fixtures.ts: {browser_type}"
    );
    let readme = read("README.md");
    let readme_line = readme
        .lines()
        .find(|line| line.contains("(a role of `Role::ALL`:"))
        .expect("the README lists the roles for `user create`");
    let listed = readme_line.split("`Role::ALL`:").nth(1).unwrap();
    let mut readme_roles = quoted_in(listed, '`');
    readme_roles.sort();
    assert_eq!(readme_roles, roles, "README.md: {readme_line}");
}
