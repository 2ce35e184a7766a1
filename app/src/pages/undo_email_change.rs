use crate::api::address_change::UndoEmailChange;
use crate::auth::redirect::DEFAULT_AFTER_LOGIN;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::pages::link_page::{keep_out_of_referrers, LinkCheck, LinkKind};
use leptos::prelude::*;

/// Opened from the mail telling an old address that the account moved away from it: the form
/// gives the address back to the account with a new password. Only the form's POST spends the
/// link.
#[component]
pub fn UndoEmailChangePage() -> impl IntoView {
    keep_out_of_referrers();
    view! {
        <section class="card auth-card">
            <h1>"Get your account back"</h1>
            <LinkCheck
                kind=LinkKind::UndoEmailChange
                ask_again="/forgot-password"
                ask_label="Reset your password instead"
                form=|email, token| view! {
                    <p class="muted">
                        "The account's address goes back to "
                        <strong data-testid="undo-email-address">{email}</strong>
                        ". Every device signed in to the account will be signed out."
                    </p>
                    <UndoEmailChangeForm token />
                }
            />
        </section>
    }
}

#[component]
fn UndoEmailChangeForm(token: String) -> impl IntoView {
    let undo = ServerAction::<UndoEmailChange>::new();
    let error = Signal::derive(move || undo.value().get().and_then(Result::err));
    view! {
        <ActionForm
            action=undo
            attr:data-testid="undo-email-change-form"
            attr:class="form"
            attr:data-enhance=DEFAULT_AFTER_LOGIN
        >
            <input type="hidden" name="token" value=token />
            <Field
                label="New password (8 to 256 characters)"
                name="password"
                kind="password"
                autocomplete="new-password"
                error
            />
            <FormError error test_id="undo-email-change-error" />
            <SubmitButton
                label="Restore my address"
                test_id="undo-email-change-submit"
                pending=undo.pending()
            />
        </ActionForm>
    }
}
