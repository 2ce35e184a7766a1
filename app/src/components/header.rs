//! The top bar: brand, navigation, and the user menu with sign-out.

use crate::api::sign_in::Logout;
use crate::auth::policy::{Access, Page, Policy};
use crate::auth::viewer::use_viewer;
use crate::auth::Viewer;
use crate::components::browser::leave_when_signed_out;
use crate::components::hydration::report_island_hydrated;
use leptos::either::Either;
use leptos::prelude::*;

/// The top bar, with header links to those of `pages` that have one and admit the viewer.
#[component]
pub fn Header(pages: &'static [Page]) -> impl IntoView {
    let viewer = use_viewer();

    view! {
        <header class="topbar">
            <a href="/" class="brand">
                <span class="brand-mark">"◆"</span>
                " "
                {crate::product::NAME}
            </a>
            <nav class="nav">
                {match viewer {
                    Some(signed_in) => Either::Left(view! { <UserMenu viewer=signed_in pages /> }),
                    None => {
                        Either::Right(
                            view! {
                                <a href="/login" class="nav-link" data-testid="nav-login">
                                    "Sign in"
                                </a>
                                <a
                                    href="/register"
                                    class="button button-small"
                                    data-testid="nav-register"
                                >
                                    "Create account"
                                </a>
                            },
                        )
                    }
                }}
            </nav>
        </header>
    }
}

#[component]
fn UserMenu(viewer: Viewer, pages: &'static [Page]) -> impl IntoView {
    // Links to the signed-in pages this viewer may open, in the order of `pages`.
    let links = pages
        .iter()
        .filter(|page| page.policy != Policy::Public)
        .filter(|page| page.policy.check(Some(&viewer)) == Access::Allowed)
        .filter_map(|page| {
            let label = page.nav_label?;
            Some(view! {
                <a href=page.path class="nav-link" data-testid=page.nav_test_id()>
                    {label}
                </a>
            })
        })
        .collect_view();
    view! {
        {links}
        <div class="user-menu" data-testid="user-menu">
            <span class="badge" data-testid="user-role">
                {viewer.role.as_str()}
            </span>
            <SignOutButton />
        </div>
    }
}

/// Signs out, then loads the home page as a signed-out visitor.
#[island]
fn SignOutButton() -> impl IntoView {
    report_island_hydrated();
    let logout = ServerAction::<Logout>::new();
    leave_when_signed_out(move || matches!(logout.value().get(), Some(Ok(()))));
    view! {
        <ActionForm action=logout>
            <button type="submit" class="button button-ghost button-small" data-testid="logout-button">
                "Sign out"
            </button>
        </ActionForm>
    }
}
