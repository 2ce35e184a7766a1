//! What islands ask of the browser beyond their own DOM.

use leptos::prelude::*;

/// Loads `path` as a new page. Pages are rendered on the server only, so after a sign-in,
/// sign-up or sign-out the next page is asked for in full: the server renders it for the new
/// cookies, and its guard decides, as for any other page request.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Once `signed_out()` turns true in the browser (a sign-out action succeeded), goes to the
/// home page, which the server renders for the signed-out visitor.
pub fn leave_when_signed_out(signed_out: impl Fn() -> bool + 'static) {
    Effect::new(move |_| {
        if signed_out() {
            go_to("/");
        }
    });
}
