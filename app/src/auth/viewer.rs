//! The signed-in viewer as a reactive value shared by every component.
//!
//! The server decides who the viewer is once per request (from the verified access token) and
//! writes it into the page head; the browser reads that same value before hydrating. Both sides
//! therefore start from one answer: no extra round trip and no hydration mismatch.

use super::Viewer;
use leptos::prelude::*;

/// The name of the `<meta>` element that carries the viewer from server to browser.
pub const VIEWER_META: &str = "viewer";

#[derive(Clone, Copy)]
struct ViewerSignal(RwSignal<Option<Viewer>>);

/// Makes the viewer available to every component below; call once, at the root, with the
/// viewer the request was decided for (on the server) or the page carries (in the browser).
pub fn provide_viewer(initial: Option<Viewer>) -> RwSignal<Option<Viewer>> {
    let signal = RwSignal::new(initial);
    provide_context(ViewerSignal(signal));
    signal
}

/// The current viewer: `None` when signed out. Writable so sign-in and sign-out can update it.
pub fn use_viewer() -> RwSignal<Option<Viewer>> {
    use_context::<ViewerSignal>()
        .map(|ViewerSignal(signal)| signal)
        .unwrap_or_else(|| RwSignal::new(None))
}

/// The viewer the server wrote into the page head (see [`ViewerMeta`]).
#[cfg(feature = "hydrate")]
pub fn viewer_from_document() -> Option<Viewer> {
    let content = web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name={VIEWER_META}]"))
        .ok()??
        .get_attribute("content")?;
    serde_json::from_str(&content).ok().flatten()
}

/// Renders the viewer into the document head (server side only; the head is not hydrated).
#[component]
pub fn ViewerMeta(viewer: Option<Viewer>) -> impl IntoView {
    let content = serde_json::to_string(&viewer).unwrap_or_else(|_| "null".into());
    view! { <meta name=VIEWER_META content=content /> }
}

/// Once `signed_out()` turns true in the browser (a sign-out action succeeded), forgets the
/// viewer and goes to the home page.
pub fn leave_when_signed_out(signed_out: impl Fn() -> bool + 'static) {
    let viewer = use_viewer();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if signed_out() {
            viewer.set(None);
            navigate("/", Default::default());
        }
    });
}
