//! The document shell, the root component and the route table.

use crate::auth::policy::Access;
use crate::auth::viewer::{provide_viewer, ViewerMeta};
use crate::auth::Viewer;
use crate::components::header::Header;
use crate::components::page_script::PageScripts;
use crate::pages::{
    account::AccountPage,
    admin::AdminPage,
    bench::BenchRoutes,
    dashboard::DashboardPage,
    dev_mail::DevMailPage,
    forbidden::ForbiddenPage,
    forgot_password::ForgotPasswordPage,
    home::HomePage,
    login::LoginPage,
    not_found::NotFoundPage,
    reauthenticate::ReauthenticatePage,
    register::RegisterPage,
    reset_password::ResetPasswordPage,
    second_step::SecondStepPage,
    security::{RecoveryCodesPage, SecurityPage, TotpSetupPage},
    undo_email_change::UndoEmailChangePage,
    verify_email::VerifyEmailPage,
    PAGES,
};
use crate::product;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server side only). Every page renders here, on the
/// server, for each request; only the `#[island]` components hydrate in the browser, so the WASM
/// holds the live parts of the signed-in pages, not the pages or the router. Pages without an
/// island load no WASM at all (see [`PageScripts`]).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // Named here, so browsers do not ask for a missing /favicon.ico on every visit.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // The bundle's file names carry a hash of their content when the build hashes
                // them (see the workspace manifest), so browsers may keep them for good.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                // Loads the WASM only on pages with an island; enhances the other pages' forms.
                <PageScripts options />
                <ViewerMeta viewer=initial_viewer() />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_viewer(initial_viewer());

    view! {
        <Title text=product::NAME />
        <Router>
            <Header pages=PAGES />
            <main class="page">
                <Routes fallback=NotFoundPage>
                    // Every route is inside `Guarded`, and every route's policy is a row of
                    // `crate::pages::PAGES`: add both for a new page.
                    <ParentRoute path=path!("") view=Guarded>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/login") view=LoginPage />
                        <Route path=path!("/login/verify") ssr=SsrMode::Async view=SecondStepPage />
                        <Route path=path!("/register") view=RegisterPage />
                        <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                        // Pages opened from mailed links check the link before answering, so
                        // a dead link is answered 410 (the status needs the whole page waited for).
                        <Route path=path!("/reset-password") ssr=SsrMode::Async view=ResetPasswordPage />
                        <Route path=path!("/verify-email") ssr=SsrMode::Async view=VerifyEmailPage />
                        <Route path=path!("/undo-email-change") ssr=SsrMode::Async view=UndoEmailChangePage />
                        <Route path=path!("/dev/mail") ssr=SsrMode::Async view=DevMailPage />
                        // Pages with data render in order, so they are complete without
                        // JavaScript (out-of-order streaming needs a script to put resolved
                        // content in place).
                        <Route path=path!("/dashboard") ssr=SsrMode::InOrder view=DashboardPage />
                        <Route path=path!("/account") ssr=SsrMode::InOrder view=AccountPage />
                        <Route path=path!("/admin") ssr=SsrMode::InOrder view=AdminPage />
                        <Route path=path!("/reauthenticate") ssr=SsrMode::Async view=ReauthenticatePage />
                        <Route path=path!("/account/security") ssr=SsrMode::Async view=SecurityPage />
                        <Route path=path!("/account/security/totp") ssr=SsrMode::Async view=TotpSetupPage />
                        <Route path=path!("/account/security/recovery-codes") ssr=SsrMode::Async view=RecoveryCodesPage />
                        <BenchRoutes />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// The viewer the auth layer decided for this request (pages render on the server only).
#[cfg(feature = "ssr")]
fn initial_viewer() -> Option<Viewer> {
    crate::ssr::context::request_viewer()
}

#[cfg(not(feature = "ssr"))]
fn initial_viewer() -> Option<Viewer> {
    None
}

/// The parent of every route: shows the current page only if the server's authorization layer
/// allowed it. The layer decided by the route that matched and has already answered 303 (sign
/// in first) or set 403; this renders that decision. A render no page route decided (the
/// not-found fallback, for a path the router here matches more loosely than the server's) shows
/// the not-found page, never a guarded one. Every navigation is a page request, so this is the
/// only guard a page needs.
#[component]
fn Guarded() -> impl IntoView {
    match page_access() {
        Some(Access::Allowed) => EitherOf4::A(view! { <Outlet /> }),
        Some(Access::Forbidden) => EitherOf4::B(view! { <ForbiddenPage /> }),
        Some(Access::SignInRequired) => EitherOf4::C(()),
        None => EitherOf4::D(view! { <NotFoundPage /> }),
    }
}

/// The authorization layer's decision for this request's page route.
#[cfg(feature = "ssr")]
fn page_access() -> Option<Access> {
    crate::ssr::context::request_auth().page_access
}

#[cfg(not(feature = "ssr"))]
fn page_access() -> Option<Access> {
    None
}
