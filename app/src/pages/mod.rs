//! One module per page, and [`PAGES`]: every page's path and who may see it.
//!
//! Each route in `crate::app::App` needs a row here. The server refuses to start while a route
//! has none, and a test checks the table against the generated route list, so no page becomes
//! public by being forgotten.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod dev_mail;
pub mod forbidden;
pub mod forgot_password;
pub mod home;
pub mod link_page;
pub mod login;
pub mod not_found;
pub mod register;
pub mod reset_password;
pub mod verify_email;

use crate::auth::policy::{in_section, Page, Policy, ADMIN};

/// Every page, with its policy. Sub-paths inherit their page's policy.
pub const PAGES: &[Page] = &[
    Page::new("/", Policy::Public),
    Page::new("/login", Policy::Public),
    Page::new("/register", Policy::Public),
    Page::new("/forgot-password", Policy::Public),
    Page::new("/reset-password", Policy::Public),
    Page::new("/verify-email", Policy::Public),
    // Serves the outbox in `dev` only; 404 in every other profile.
    Page::new("/dev/mail", Policy::Public),
    Page::new("/dashboard", Policy::SignedIn).in_nav("Dashboard"),
    Page::new("/account", Policy::SignedIn).in_nav("Account"),
    Page::new("/admin", ADMIN).in_nav("Admin"),
];

/// Every page of the app: [`PAGES`] and the benchmark pages.
pub fn all_pages() -> impl Iterator<Item = &'static Page> {
    PAGES.iter().chain(crate::bench::PAGES)
}

/// The policy of the page at `path`: the policy of the longest page path that `path` is, or is
/// below. A path no page claims is public: it shows the not-found page.
pub fn page_policy(path: &str) -> Policy {
    all_pages()
        .filter(|page| page.path != "/" && in_section(path, page.path) || page.path == path)
        .max_by_key(|page| page.path.len())
        .map_or(Policy::Public, |page| page.policy)
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
    fn sections_guard_their_sub_paths_but_not_lookalikes() {
        assert_eq!(page_policy("/admin/users"), ADMIN);
        assert_eq!(page_policy("/administrator"), Policy::Public);
        assert_eq!(page_policy("/dashboard"), Policy::SignedIn);
        assert_eq!(page_policy("/"), Policy::Public);
        assert_eq!(page_policy("/no-such-page"), Policy::Public);
        assert_eq!(ADMIN, Policy::AnyRole(&[Role::Admin]));
    }

    #[test]
    fn header_links_are_named_after_their_page() {
        let admin = PAGES.iter().find(|page| page.path == "/admin").unwrap();
        assert_eq!(admin.nav_test_id(), "nav-admin");
    }
}
