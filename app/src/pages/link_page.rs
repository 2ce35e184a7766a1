//! What the pages that a mailed link opens share: the token from their address, a check that it
//! still works (without spending it: a mail scanner's visit must not use up the link), and the
//! `Referrer-Policy: no-referrer` that keeps the token from leaving in a `Referer` header.

use crate::error::AppError;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Which links a page opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    PasswordReset,
    /// Confirming an address: the account's own, or one it is moving to.
    Address,
    /// Undoing a completed address change, from the old address.
    UndoEmailChange,
}

/// The `name` parameter of the page's address, if present.
pub fn query_value(name: &str) -> Option<String> {
    use_query_map().read_untracked().get(name)
}

/// Sends this page with `Referrer-Policy: no-referrer`.
pub fn keep_out_of_referrers() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("no-referrer"),
        );
    }
}

/// Answers this page with 410: the link it was opened with no longer works.
pub fn answer_gone() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::GONE);
    }
}

/// The address a live token of `kind` was mailed to; `None` if it is unknown, spent or expired.
pub async fn live_link(token: String, kind: LinkKind) -> Result<Option<String>, AppError> {
    #[cfg(feature = "ssr")]
    {
        use crate::ssr::mail::link_tokens::{peek, Purpose};
        let purposes: &[Purpose] = match kind {
            LinkKind::PasswordReset => &[Purpose::PasswordReset],
            LinkKind::Address => &[Purpose::VerifyEmail, Purpose::ChangeEmail],
            LinkKind::UndoEmailChange => &[Purpose::UndoEmailChange],
        };
        let state = crate::ssr::context::app_state()?;
        Ok(peek(&state.db, purposes, &token)
            .await?
            .map(|grant| grant.email))
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (token, kind);
        Ok(None)
    }
}

/// Checks the link the page was opened with and shows `form(address, token)` while it works, or
/// else (answered 410) where to ask for a new one.
#[component]
pub fn LinkCheck<F, V>(
    kind: LinkKind,
    ask_again: &'static str,
    ask_label: &'static str,
    form: F,
) -> impl IntoView
where
    F: Fn(String, String) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let token = query_value("token").unwrap_or_default();
    let link = Resource::new(|| (), {
        let token = token.clone();
        move |_| live_link(token.clone(), kind)
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
            {move || {
                let (token, form) = (token.clone(), form.clone());
                Suspend::new(async move {
                    match link.await {
                        Ok(Some(address)) => EitherOf3::A(form(address, token)),
                        Ok(None) => EitherOf3::B(view! { <DeadLink ask_again ask_label /> }),
                        Err(error) => EitherOf3::C(view! {
                            <p class="alert" role="alert">{error.message}</p>
                        }),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a page shows for a link that no longer works, and where to ask for a new one.
#[component]
pub fn DeadLink(ask_again: &'static str, ask_label: &'static str) -> impl IntoView {
    answer_gone();
    view! {
        <p class="alert" role="alert" data-testid="link-invalid">
            "This link has expired or was already used."
        </p>
        <p>
            <a href=ask_again class="button" data-testid="ask-again-link">{ask_label}</a>
        </p>
    }
}
