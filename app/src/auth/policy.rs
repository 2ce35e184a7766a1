//! Who may do what. Pages and server functions each have exactly one policy, looked up here;
//! the server enforces it before any handler runs, and the browser uses the same answers for
//! client-side navigation, so the two never disagree.

use super::{api, Role, Viewer};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use server_fn::ServerFn;

/// The rule guarding a page or a server function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user whose session is still alive.
    SignedIn,
    /// Like `SignedIn`, and a page request also confirms the session in the store every time,
    /// not only through the in-memory revocation set: for pages that must show nothing after a
    /// revocation, even for the fraction of a second it takes to reach every instance. Costs a
    /// store round trip per request; `docs/benchmarks.md` measures it.
    LiveSession,
    /// A signed-in user with this role.
    Role(Role),
}

/// The outcome of checking a policy against the current viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// Nobody is signed in: send them to the login page.
    SignInRequired,
    /// Signed in, but the role does not fit.
    Forbidden,
}

impl Policy {
    pub fn check(self, viewer: Option<&Viewer>) -> Access {
        match (self, viewer) {
            (Policy::Public, _) => Access::Allowed,
            (_, None) => Access::SignInRequired,
            (Policy::SignedIn | Policy::LiveSession, Some(_)) => Access::Allowed,
            (Policy::Role(role), Some(viewer)) if viewer.role == role => Access::Allowed,
            (Policy::Role(_), Some(_)) => Access::Forbidden,
        }
    }

    /// Whether this policy needs the server to confirm the session is still alive.
    pub fn needs_session(self) -> bool {
        !matches!(self, Policy::Public)
    }
}

/// Whether `path` is `section` or below it.
pub fn in_section(path: &str, section: &str) -> bool {
    path == section
        || path
            .strip_prefix(section)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The benchmark pages (served only with `BENCH_ROUTES=1`): one page, three guards.
pub const BENCH_PAGES: &str = "/bench";
pub const BENCH_TOKEN_PAGE: &str = "/bench/token";
pub const BENCH_STORE_PAGE: &str = "/bench/store";

/// The policy of a page, by path. Sub-paths inherit their section's policy.
pub fn page_policy(path: &str) -> Policy {
    let in_section = |section: &str| in_section(path, section);
    if in_section("/admin") {
        Policy::Role(Role::Admin)
    } else if in_section(BENCH_TOKEN_PAGE) {
        Policy::SignedIn
    } else if in_section(BENCH_STORE_PAGE) {
        Policy::LiveSession
    } else if in_section("/dashboard") || in_section("/account") {
        Policy::SignedIn
    } else {
        Policy::Public
    }
}

/// Every server function's policy, keyed by its URL. A server function missing from this table
/// is refused (deny by default), and a test fails if any registered function is missing.
pub fn server_fn_policy(path: &str) -> Option<Policy> {
    const TABLE: &[(&str, Policy)] = &[
        (api::Register::PATH, Policy::Public),
        (api::Login::PATH, Policy::Public),
        (api::Logout::PATH, Policy::Public),
        (api::LogoutAll::PATH, Policy::SignedIn),
        (api::Refresh::PATH, Policy::Public),
        (api::Me::PATH, Policy::SignedIn),
        (api::CurrentViewer::PATH, Policy::Public),
        (api::ConfirmSession::PATH, Policy::SignedIn),
        (api::ListUsers::PATH, Policy::Role(Role::Admin)),
        (api::AuditLog::PATH, Policy::Role(Role::Admin)),
        (api::ListSessions::PATH, Policy::SignedIn),
        (api::RevokeSession::PATH, Policy::SignedIn),
        (api::LogoutOthers::PATH, Policy::SignedIn),
        (api::ChangePassword::PATH, Policy::SignedIn),
        (api::DeleteAccount::PATH, Policy::SignedIn),
        (api::SetRole::PATH, Policy::Role(Role::Admin)),
        (api::SetDisabled::PATH, Policy::Role(Role::Admin)),
        (api::RevokeUserSessions::PATH, Policy::Role(Role::Admin)),
    ];
    TABLE
        .iter()
        .find(|(fn_path, _)| *fn_path == path)
        .map(|(_, policy)| *policy)
}

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

/// The login page URL that returns to `path_and_query` afterwards.
pub fn login_url(path_and_query: &str) -> String {
    format!(
        "/login?next={}",
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
/// stays on that origin. On the server the `url` crate parses it.
#[cfg(not(all(target_arch = "wasm32", feature = "hydrate")))]
fn resolve_same_origin(next: &str) -> Option<String> {
    let base = url::Url::parse(PLACEHOLDER_ORIGIN).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let mut path = resolved.path().to_owned();
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    Some(path)
}

/// In the browser, the browser's own URL parser (the same WHATWG algorithm) resolves it: calling
/// the `url` crate here would put it and its Unicode (IDNA) tables, about 60 KB, in the WASM.
#[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
fn resolve_same_origin(next: &str) -> Option<String> {
    let resolved = web_sys::Url::new_with_base(next, PLACEHOLDER_ORIGIN).ok()?;
    if resolved.origin() != PLACEHOLDER_ORIGIN {
        return None;
    }
    // `search` is empty or `?` + query, as on the server (which keeps a bare trailing `?`).
    Some(resolved.pathname() + &resolved.search())
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
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), DEFAULT_AFTER_LOGIN, "{hostile:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_AFTER_LOGIN);
    }

    #[test]
    fn sections_guard_their_sub_paths_but_not_lookalikes() {
        assert_eq!(page_policy("/admin/users"), Policy::Role(Role::Admin));
        assert_eq!(page_policy("/administrator"), Policy::Public);
        assert_eq!(page_policy("/dashboard"), Policy::SignedIn);
        assert_eq!(page_policy("/"), Policy::Public);
    }

    #[test]
    fn roles_are_checked_exactly() {
        let user = Viewer {
            user_id: 1,
            role: Role::User,
        };
        let admin = Viewer {
            user_id: 2,
            role: Role::Admin,
        };
        let admin_only = Policy::Role(Role::Admin);
        assert_eq!(admin_only.check(None), Access::SignInRequired);
        assert_eq!(admin_only.check(Some(&user)), Access::Forbidden);
        assert_eq!(admin_only.check(Some(&admin)), Access::Allowed);
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(login_url("/dashboard"), "/login?next=/dashboard");
        assert_eq!(
            login_url("/admin?x=1&y=2"),
            "/login?next=/admin%3Fx%3D1%26y%3D2"
        );
    }
}
