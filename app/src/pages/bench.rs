//! The benchmark pages (see `docs/benchmarks.md`): the home page under four guards, to measure
//! what each guard costs, and once more behind a route parameter (the signed-in page a fork
//! writes as `/articles/:id`, whose policy the server finds by the route's template). Everything
//! about them is here; the server answers 404 for them unless `BENCH_ROUTES=1`.

use crate::auth::policy::{Page, Policy, SIGNED_IN_RECENTLY};
use crate::pages::home::HomePage;
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route};
use leptos_router::path;

/// Where the benchmark pages live.
pub const SECTION: &str = "/bench";

/// The same page unguarded, guarded by the access token alone, by the token and a step-up (how
/// recently its holder signed in), and by a store lookup.
pub const PAGES: &[Page] = &[
    Page::new("/bench/open", Policy::Public),
    Page::new("/bench/token", Policy::SignedIn),
    Page::new("/bench/recent", SIGNED_IN_RECENTLY),
    Page::new("/bench/store", Policy::LiveSession),
    Page::new("/bench/token/{id}", Policy::SignedIn),
];

/// Whether `path` is a benchmark page.
pub fn is_bench_path(path: &str) -> bool {
    path == SECTION
        || path
            .strip_prefix(SECTION)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The routes of the benchmark pages, for the app's route table.
#[component(transparent)]
pub fn BenchRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/bench") view=Outlet>
            <Route path=path!("/open") view=HomePage />
            <Route path=path!("/token") view=HomePage />
            <Route path=path!("/recent") view=HomePage />
            <Route path=path!("/store") view=HomePage />
            <Route path=path!("/token/:id") view=HomePage />
        </ParentRoute>
    }
    .into_inner()
}
