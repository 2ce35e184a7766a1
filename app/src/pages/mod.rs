//! One module per page, and [`PAGES`]: every page's path and who may see it.
//!
//! Each route in `crate::app::App` needs a row here, keyed by the route's template exactly as
//! the router writes it (`/articles/{id}` for `path!("/articles/:id")`). The server's
//! authorization layer looks the row up by the route that matched a request, refusing a route
//! without one; the server also refuses to start while a route has none, and a test checks the
//! table against the generated route list, so no page becomes public by being forgotten.

pub mod account;
pub mod admin;
pub mod bench;
pub mod dashboard;
pub mod dev_mail;
pub mod forbidden;
pub mod forgot_password;
pub mod home;
pub mod link_page;
pub mod login;
pub mod not_found;
pub mod reauthenticate;
pub mod register;
pub mod reset_password;
pub mod second_step;
pub mod security;
pub mod security_passkeys;
pub mod undo_email_change;
pub mod verify_email;

use crate::auth::policy::{Page, Policy, ADMIN, SIGNED_IN_RECENTLY};

/// Every page, with its policy. A row covers its route alone: a page below it needs its own.
pub const PAGES: &[Page] = &[
    Page::new("/", Policy::Public),
    Page::new("/login", Policy::Public),
    // Shows its form only to a browser whose password step left a sign-in waiting.
    Page::new("/login/verify", Policy::Public),
    Page::new("/register", Policy::Public),
    Page::new("/forgot-password", Policy::Public),
    Page::new("/reset-password", Policy::Public),
    Page::new("/verify-email", Policy::Public),
    Page::new("/undo-email-change", Policy::Public),
    // Serves the outbox in `dev` only; 404 in every other profile.
    Page::new("/dev/mail", Policy::Public),
    Page::new("/dashboard", Policy::SignedIn).in_nav("Dashboard"),
    Page::new("/account", Policy::SignedIn).in_nav("Account"),
    Page::new("/admin", ADMIN).in_nav("Admin"),
    Page::new("/reauthenticate", Policy::SignedIn),
    Page::new("/account/security", Policy::SignedIn),
    Page::new("/account/security/totp", SIGNED_IN_RECENTLY),
    Page::new("/account/security/recovery-codes", Policy::SignedIn),
];

/// The signed-in pages a login confined to setting up two-step verification may see
/// (`MFA_REQUIRED_ROLES`), beside the public ones; every other sends it to [`ENROLMENT_PAGE`].
pub const OPEN_WHILE_ENROLLING: &[&str] = &[
    "/account/security",
    "/account/security/totp",
    "/account/security/recovery-codes",
    "/reauthenticate",
];

/// Where a confined login is sent.
pub const ENROLMENT_PAGE: &str = "/account/security/totp";

/// Every page of the app: [`PAGES`] and the benchmark pages.
pub fn all_pages() -> impl Iterator<Item = &'static Page> {
    PAGES.iter().chain(bench::PAGES)
}

/// The policy declared for the route `route_path` exactly, as the router lists it.
pub fn declared_policy(route_path: &str) -> Option<Policy> {
    all_pages()
        .find(|page| page.path == route_path)
        .map(|page| page.policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn a_row_covers_its_route_template_and_nothing_below_or_beside_it() {
        assert_eq!(declared_policy("/admin"), Some(ADMIN));
        assert_eq!(declared_policy("/admin/users"), None);
        assert_eq!(declared_policy("/administrator"), None);
        assert_eq!(declared_policy("/dashboard"), Some(Policy::SignedIn));
        assert_eq!(declared_policy("/bench/token/{id}"), Some(Policy::SignedIn));
        assert_eq!(declared_policy("/bench/token/42"), None);
        assert_eq!(ADMIN, Policy::AnyRole(&[Role::Admin]));
    }

    #[test]
    fn header_links_are_named_after_their_page() {
        let admin = PAGES.iter().find(|page| page.path == "/admin").unwrap();
        assert_eq!(admin.nav_test_id(), "nav-admin");
    }
}
