//! The signed-in viewer, as the server decided it for this request.
//!
//! The auth layer decides who the viewer is once per request (from the verified access token);
//! the root component provides that value to every component below, all of which render on the
//! server. Islands, the parts that run in the browser, never guess: what they need of the viewer
//! is passed to them as props, and the head carries the claims for scripts (see [`ViewerMeta`]).

use super::Viewer;
use leptos::prelude::*;

/// The name of the `<meta>` element that carries the viewer from server to browser.
pub const VIEWER_META: &str = "viewer";

#[derive(Clone)]
struct RequestViewer(Option<Viewer>);

/// Makes the viewer available to every component below; called once, at the root.
pub fn provide_viewer(viewer: Option<Viewer>) {
    provide_context(RequestViewer(viewer));
}

/// The viewer of this request: `None` when signed out.
pub fn use_viewer() -> Option<Viewer> {
    use_context::<RequestViewer>().and_then(|RequestViewer(viewer)| viewer)
}

/// Renders the viewer into the document head (server side only; the head is not hydrated).
#[component]
pub fn ViewerMeta(viewer: Option<Viewer>) -> impl IntoView {
    let content = serde_json::to_string(&viewer).unwrap_or_else(|_| "null".into());
    view! { <meta name=VIEWER_META content=content /> }
}
