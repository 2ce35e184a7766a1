use app::auth::policy::server_fn_policy;

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
