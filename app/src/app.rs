//! The document shell, the root component and the route table.

use crate::auth::policy::{login_url, page_policy, Access};
use crate::auth::viewer::{provide_viewer, use_viewer, ViewerMeta};
use crate::components::header::Header;
use crate::components::hydration::HydrationMark;
use crate::pages::{
    account::AccountPage, admin::AdminPage, dashboard::DashboardPage, forbidden::ForbiddenPage,
    home::HomePage, login::LoginPage, not_found::NotFoundPage, register::RegisterPage,
};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
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
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <ViewerMeta />
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
    provide_viewer();

    view! {
        <Stylesheet id="leptos" href="/pkg/leptos-hybrid-auth.css" />
        <Title text="Leptos Hybrid Auth" />
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/register") view=RegisterPage />
                    // The benchmark pages: the home page under three guards (see
                    // `docs/benchmarks.md`); the server answers 404 unless BENCH_ROUTES=1.
                    <Route
                        path=path!("/bench/:guard")
                        view=|| view! { <Guarded><HomePage /></Guarded> }
                    />
                    // Pages with data render in order, so they are complete without JavaScript
                    // (out-of-order streaming needs a script to put resolved content in place).
                    <Route
                        path=path!("/dashboard")
                        ssr=SsrMode::InOrder
                        view=|| view! { <Guarded><DashboardPage /></Guarded> }
                    />
                    <Route
                        path=path!("/account")
                        ssr=SsrMode::InOrder
                        view=|| view! { <Guarded><AccountPage /></Guarded> }
                    />
                    <Route
                        path=path!("/admin")
                        ssr=SsrMode::InOrder
                        view=|| view! { <Guarded><AdminPage /></Guarded> }
                    />
                </Routes>
            </main>
            <HydrationMark />
        </Router>
    }
}

/// Shows its children only if the page's policy allows the viewer. On the server the auth layer
/// has already answered 303 or set 403 for the same decision; in the browser this keeps
/// client-side navigation to the same rules.
#[component]
fn Guarded(children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let location = use_location();
    let navigate = use_navigate();
    let access = move || page_policy(&location.pathname.get()).check(viewer.get().as_ref());

    Effect::new(move |_| {
        if access() == Access::SignInRequired {
            let path = location.pathname.get_untracked();
            let search = location.search.get_untracked();
            let search = search.trim_start_matches('?');
            let target = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            navigate(
                &login_url(&target),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    move || match access() {
        Access::Allowed => EitherOf3::A(children()),
        Access::Forbidden => EitherOf3::B(view! { <ForbiddenPage /> }),
        Access::SignInRequired => EitherOf3::C(()),
    }
}
