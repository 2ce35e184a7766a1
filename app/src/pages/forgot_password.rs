use crate::api::email::{RequestPasswordReset, RESET_REQUESTED};
use crate::components::form::{Field, FormError, SubmitButton};
use crate::pages::link_page::query_value;
use leptos::either::Either;
use leptos::prelude::*;

/// Asks for a reset link. The answer is the same whether or not the address has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = query_value("sent").is_some();
    view! {
        <section class="card auth-card">
            <h1>"Forgot your password?"</h1>
            {if sent {
                Either::Left(view! {
                    <p class="notice" role="status" data-testid="reset-requested">
                        "If an account uses that address, we have sent it a link to choose a new "
                        "password. The link works once, for a short while. Nothing there? Check "
                        "the spam folder, or ask again."
                    </p>
                    <p class="muted"><a href="/login">"Back to sign in"</a></p>
                })
            } else {
                Either::Right(view! {
                    <p class="muted">
                        "Enter the address you sign in with, and we will mail you a link to choose a new password."
                    </p>
                    <ForgotPasswordForm />
                    <p class="muted"><a href="/login">"Back to sign in"</a></p>
                })
            }}
        </section>
    }
}

/// Server-rendered, enhanced by the page script (no island).
#[component]
fn ForgotPasswordForm() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    view! {
        <ActionForm
            action=request
            attr:data-testid="forgot-password-form"
            attr:class="form"
            attr:data-enhance=RESET_REQUESTED
        >
            <Field label="Email" name="email" kind="email" autocomplete="email" error />
            <FormError error test_id="forgot-password-error" />
            <SubmitButton
                label="Mail me a link"
                test_id="forgot-password-submit"
                pending=request.pending()
            />
        </ActionForm>
    }
}
