//! Marks the document once the app has hydrated, so browser tests can wait for it instead of
//! racing the WASM with their first click.

use leptos::prelude::*;

#[component]
pub fn HydrationMark() -> impl IntoView {
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
