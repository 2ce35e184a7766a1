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
