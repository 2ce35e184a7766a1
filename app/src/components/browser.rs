//! What islands ask of the browser beyond their own DOM.

use crate::error::{AppError, ErrorCode};
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

/// When an action's answer (`answer()`) asks for a recent sign-in (403
/// `reauthentication_required`), goes to the page confirming it's you, which returns to this page
/// afterwards. The same answer sent to a plain form is a redirect there from the server.
pub fn confirm_identity_when_asked<T: 'static>(
    answer: impl Fn() -> Option<Result<T, AppError>> + 'static,
) {
    Effect::new(move |_| {
        let asked = matches!(
            answer(),
            Some(Err(AppError {
                code: ErrorCode::ReauthenticationRequired,
                ..
            }))
        );
        if asked {
            go_to(&crate::auth::redirect::reauthenticate_url(&current_page()));
        }
    });
}

/// This page's path and query, as the browser shows it.
fn current_page() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let location = window.location();
        let path = location.pathname().unwrap_or_default();
        let query = location.search().unwrap_or_default();
        return format!("{path}{query}");
    }
    "/".to_owned()
}
