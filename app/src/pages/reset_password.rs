use crate::api::email::ResetPassword;
use crate::auth::redirect::DEFAULT_AFTER_LOGIN;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::pages::link_page::{keep_out_of_referrers, LinkCheck, LinkKind};
use leptos::prelude::*;

/// Opened from a reset mail: shows the form to choose a new password while the link works. Only
/// the form's POST spends the link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    keep_out_of_referrers();
    view! {
        <section class="card auth-card">
            <h1>"Choose a new password"</h1>
            <LinkCheck
                kind=LinkKind::PasswordReset
                ask_again="/forgot-password"
                ask_label="Mail me a new link"
                form=|email, token| view! {
                    <p class="muted">
                        "For " <strong data-testid="reset-email">{email}</strong>
                        ". Every device signed in to the account will be signed out."
                    </p>
                    <ResetPasswordForm token />
                }
            />
        </section>
    }
}

#[component]
fn ResetPasswordForm(token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || reset.value().get().and_then(Result::err));
    view! {
        <ActionForm
            action=reset
            attr:data-testid="reset-password-form"
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
            <FormError error test_id="reset-password-error" />
            <SubmitButton
                label="Set the new password"
                test_id="reset-password-submit"
                pending=reset.pending()
            />
        </ActionForm>
    }
}
