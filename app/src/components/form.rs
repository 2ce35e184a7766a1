//! Form fields and error messages shared by the auth forms.

use crate::error::AppError;
use leptos::prelude::*;

/// A labelled input; marks itself invalid when the form's error concerns it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let invalid = move || {
        error
            .get()
            .is_some_and(|error| error.is_about(name))
            .to_string()
    };
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                type=kind
                name=name
                autocomplete=autocomplete
                required
                aria-invalid=invalid
                data-testid=format!("{name}-input")
            />
        </label>
    }
}

/// The form's error message, next to the form. The element is always there (hidden while there
/// is no error), so screen readers announce the message when it appears, and the page script can
/// fill it in on pages without WASM.
#[component]
pub fn FormError(
    #[prop(into)] error: Signal<Option<AppError>>,
    test_id: &'static str,
) -> impl IntoView {
    view! {
        <p class="alert" role="alert" data-testid=test_id hidden=move || error.get().is_none()>
            {move || error.get().map(|error| error.message)}
        </p>
    }
}

/// The form's submit button, disabled while its request is in flight.
#[component]
pub fn SubmitButton(
    label: &'static str,
    test_id: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="button" data-testid=test_id disabled=move || pending.get()>
            {label}
        </button>
    }
}

/// Which one-time code a [`CodeField`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// The six digits an authenticator app shows: a numeric keyboard, and the browser may offer
    /// a code it received.
    App,
    /// A recovery code, `XXXX-XXXX-XXXX-XXXX`.
    Recovery,
    /// Either, in one field.
    Either,
}

/// The `code` field of the second-step forms; marks itself invalid when the error concerns it.
#[component]
pub fn CodeField(
    label: &'static str,
    kind: CodeKind,
    test_id: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let invalid = move || {
        error
            .get()
            .is_some_and(|error| error.is_about("code"))
            .to_string()
    };
    let app = kind == CodeKind::App;
    let autocomplete = if kind == CodeKind::Recovery {
        "off"
    } else {
        "one-time-code"
    };
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                type="text"
                name="code"
                inputmode=app.then_some("numeric")
                pattern=app.then_some("[0-9 ]*")
                maxlength=if app { "7" } else { "40" }
                autocomplete=autocomplete
                autocapitalize="characters"
                spellcheck="false"
                required
                aria-invalid=invalid
                data-testid=test_id
            />
        </label>
    }
}
