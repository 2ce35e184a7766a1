//! The top bar: brand, navigation, and the user menu with sign-out.

use crate::auth::api::Logout;
use crate::auth::viewer::{leave_when_signed_out, use_viewer};
use crate::auth::{Role, Viewer};
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let viewer = use_viewer();
    let logout = ServerAction::<Logout>::new();
    leave_when_signed_out(move || matches!(logout.value().get(), Some(Ok(()))));

    view! {
        <header class="topbar">
            <a href="/" class="brand">
                <span class="brand-mark">"◆"</span>
                " Hybrid Auth"
            </a>
            <nav class="nav">
                {move || match viewer.get() {
                    Some(signed_in) => Either::Left(view! { <UserMenu viewer=signed_in logout /> }),
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
fn UserMenu(viewer: Viewer, logout: ServerAction<Logout>) -> impl IntoView {
    let is_admin = viewer.role == Role::Admin;
    view! {
        <a href="/dashboard" class="nav-link" data-testid="nav-dashboard">
            "Dashboard"
        </a>
        <a href="/account" class="nav-link" data-testid="nav-account">
            "Account"
        </a>
        {is_admin
            .then(|| {
                view! {
                    <a href="/admin" class="nav-link" data-testid="nav-admin">
                        "Admin"
                    </a>
                }
            })}
        <div class="user-menu" data-testid="user-menu">
            <span class="badge" data-testid="user-role">
                {viewer.role.as_str()}
            </span>
            <ActionForm action=logout>
                <button type="submit" class="button button-ghost button-small" data-testid="logout-button">
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}
