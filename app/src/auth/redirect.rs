//! Where sign-in sends people: the login URL that returns to a page, and the check that
//! `next` stays on this site.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Where to land after signing in when no (acceptable) `next` was given.
pub const DEFAULT_AFTER_LOGIN: &str = "/dashboard";

/// Characters escaped in the `next` parameter: everything but unreserved characters and `/`
/// (which is legal in a query), so `/dashboard` stays readable and `/a?b=c&d` stays one value.
const NEXT_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Where a signed-in user confirms it's them before a step-up action.
pub const REAUTHENTICATE_PAGE: &str = "/reauthenticate";

/// The login page URL that returns to `path_and_query` afterwards.
pub fn login_url(path_and_query: &str) -> String {
    returning_to("/login", path_and_query)
}

/// The page asking for a sign-in's second step, going on to `path_and_query` afterwards.
pub fn second_step_url(path_and_query: &str) -> String {
    returning_to(SECOND_STEP_PAGE, path_and_query)
}

/// Where a sign-in of an account with a second factor asks for it.
pub const SECOND_STEP_PAGE: &str = "/login/verify";

/// The account's security page (second factors, passkeys), where its forms lead back to.
pub const SECURITY_PAGE: &str = "/account/security";

/// The page confirming it's you, returning to `path_and_query` afterwards.
pub fn reauthenticate_url(path_and_query: &str) -> String {
    returning_to(REAUTHENTICATE_PAGE, path_and_query)
}

fn returning_to(page: &str, path_and_query: &str) -> String {
    format!(
        "{page}?next={}",
        utf8_percent_encode(path_and_query, NEXT_ESCAPES)
    )
}

/// Accepts `next` only if it is a path on this site, so the login form cannot be used to send
/// people elsewhere (open redirect). Anything else falls back to [`DEFAULT_AFTER_LOGIN`].
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_origin_path)
        .unwrap_or_else(|| DEFAULT_AFTER_LOGIN.to_owned())
}

fn same_origin_path(next: &str) -> Option<String> {
    // Browsers read `\` as `/` and drop tabs and newlines, so `/\evil.com` or `/\t/evil.com`
    // would become protocol-relative: refuse any of those characters outright.
    let suspicious = |c: char| c == '\\' || c.is_control() || c.is_whitespace();
    if !next.starts_with('/') || next.starts_with("//") || next.chars().any(suspicious) {
        return None;
    }
    resolve_same_origin(next)
}

/// A stand-in origin to resolve `next` against: whatever resolves elsewhere is refused.
const PLACEHOLDER_ORIGIN: &str = "http://origin.invalid";

/// `next` resolved against [`PLACEHOLDER_ORIGIN`] by a WHATWG URL parser, as path and query, if it
/// stays on that origin and its *normalised* path is still a plain path: resolving drops dot
/// segments, so `/.//evil.example` or `/a/..//evil.example` become `//evil.example`, which a
/// browser reads as another host. Only the checked, normalised result is ever returned.
fn resolve_same_origin(next: &str) -> Option<String> {
    let base = url::Url::parse(PLACEHOLDER_ORIGIN).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() || resolved.path().starts_with("//") {
        return None;
    }
    let mut path = resolved.path().to_owned();
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths_are_accepted_as_next() {
        assert_eq!(safe_next(Some("/admin?tab=users")), "/admin?tab=users");
        for hostile in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/.//evil.example",
            "/a/..//evil.example",
            "/%2e//evil.example",
            "/%2E%2E//evil.example",
            "/./\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), DEFAULT_AFTER_LOGIN, "{hostile:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_AFTER_LOGIN);
    }

    #[test]
    fn the_normalised_path_is_what_is_returned() {
        assert_eq!(safe_next(Some("/a/../admin")), "/admin");
        assert_eq!(safe_next(Some("/./dashboard?x=1")), "/dashboard?x=1");
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(login_url("/dashboard"), "/login?next=/dashboard");
        assert_eq!(
            login_url("/admin?x=1&y=2"),
            "/login?next=/admin%3Fx%3D1%26y%3D2"
        );
        assert_eq!(
            reauthenticate_url("/account"),
            "/reauthenticate?next=/account"
        );
    }
}
