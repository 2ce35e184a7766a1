//! Marks the document once every island of the page has hydrated, so browser tests (and the
//! benchmark's "usable" time) can wait for it instead of racing the WASM with their first click.
//!
//! The loader script hydrates the islands one after another after calling the entry point; each
//! island reports itself (an effect runs only in the browser, after hydration), and the last one
//! to report sets `data-hydrated` on `<body>`. A page without islands loads no WASM; the page
//! script marks it (see `page_script.js`).

use leptos::prelude::*;

/// Call once at the top of every `#[island]`.
pub fn report_island_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        browser::island_hydrated();
    });
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The attribute set on `<body>`, `data-hydrated="true"`.
    const MARK: &str = "data-hydrated";

    /// Islands of this page that have hydrated so far.
    static HYDRATED: AtomicU32 = AtomicU32::new(0);

    pub fn island_hydrated() {
        let hydrated = HYDRATED.fetch_add(1, Ordering::Relaxed) + 1;
        if hydrated >= island_count() {
            mark();
        }
    }

    fn island_count() -> u32 {
        web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.query_selector_all("leptos-island").ok())
            .map_or(0, |islands| islands.length())
    }

    pub fn mark() {
        if let Some(body) = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.body())
        {
            let _ = body.set_attribute(MARK, "true");
        }
    }
}
