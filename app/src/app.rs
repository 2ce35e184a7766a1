//! The document shell, the root component and the route table.

use crate::auth::policy::Access;
use crate::auth::redirect::login_url;
use crate::auth::viewer::{provide_viewer, use_viewer, ViewerMeta};
use crate::auth::Viewer;
use crate::bench::BenchRoutes;
use crate::components::header::Header;
use crate::components::hydration::HydrationMark;
use crate::pages::{
    account::AccountPage, admin::AdminPage, dashboard::DashboardPage, forbidden::ForbiddenPage,
    home::HomePage, login::LoginPage, not_found::NotFoundPage, page_policy, register::RegisterPage,
};
use crate::product;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{path, NavigateOptions, SsrMode};

/// The HTML document around the app (server side only). The viewer goes into the head, which
/// is not hydrated, so the browser can read it before hydration starts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // Named here, so browsers do not ask for a missing /favicon.ico on every visit.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
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
        <Stylesheet id="leptos" href=format!("/pkg/{}.css", product::SLUG) />
        <Title text=product::NAME />
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=NotFoundPage>
                    // Every route is inside `Guarded`, and every route's policy is a row of
                    // `crate::pages::PAGES`: add both for a new page.
                    <ParentRoute path=path!("") view=Guarded>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/login") view=LoginPage />
                        <Route path=path!("/register") view=RegisterPage />
                        // Pages with data render in order, so they are complete without
                        // JavaScript (out-of-order streaming needs a script to put resolved
                        // content in place).
                        <Route path=path!("/dashboard") ssr=SsrMode::InOrder view=DashboardPage />
                        <Route path=path!("/account") ssr=SsrMode::InOrder view=AccountPage />
                        <Route path=path!("/admin") ssr=SsrMode::InOrder view=AdminPage />
                        <BenchRoutes />
                    </ParentRoute>
                </Routes>
            </main>
            <HydrationMark />
        </Router>
    }
}

/// The viewer this page starts with: on the server, the one the auth layer decided for this
/// request; in the browser, the one the server wrote into the page head.
#[cfg(feature = "ssr")]
fn initial_viewer() -> Option<Viewer> {
    crate::ssr::context::request_viewer()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn initial_viewer() -> Option<Viewer> {
    crate::auth::viewer::viewer_from_document()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn initial_viewer() -> Option<Viewer> {
    None
}

/// The parent of every route: shows the current page only if its policy allows the viewer. On
/// the server the auth layer has already answered 303 or set 403 for the same decision; in the
/// browser this keeps client-side navigation to the same rules.
#[component]
fn Guarded() -> impl IntoView {
    let viewer = use_viewer();
    let location = use_location();
    let navigate = use_navigate();
    // A memo, so moving between pages the viewer may see does not rebuild the outlet.
    let access =
        Memo::new(move |_| page_policy(&location.pathname.get()).check(viewer.get().as_ref()));

    Effect::new(move |_| {
        let access = access.get();
        // Tracked, so a move between two pages that both refuse the viewer is handled too.
        let path = location.pathname.get();
        if access == Access::Allowed {
            return;
        }
        let search = location.search.get_untracked();
        let search = search.trim_start_matches('?');
        let here = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        if access == Access::SignInRequired {
            let replace = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(&login_url(&here), replace);
        } else {
            // The router finishes a navigation (puts its URL in the address bar) once the page's
            // outlet has rendered; a refused page shows no outlet, so finish it here.
            navigate(&here, NavigateOptions::default());
        }
    });

    move || match access.get() {
        Access::Allowed => EitherOf3::A(view! { <Outlet /> }),
        Access::Forbidden => EitherOf3::B(view! { <ForbiddenPage /> }),
        Access::SignInRequired => EitherOf3::C(()),
    }
}
