use crate::api::sign_in::{Register, SIGNUP_MAILED};
use crate::auth::redirect::DEFAULT_AFTER_LOGIN;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::pages::link_page::query_value;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let mailed = query_value("sent").is_some();
    view! {
        <section class="card auth-card">
            <h1>"Create your account"</h1>
            {if mailed {
                Either::Left(view! {
                    <p class="notice" role="status" data-testid="signup-mailed">
                        "Check your inbox: we have mailed you a link to confirm your address. "
                        "Once it is confirmed, sign in."
                    </p>
                })
            } else {
                Either::Right(view! { <RegisterForm /> })
            }}
            <p class="muted">"Already registered? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}

/// The sign-up form, rendered on the server only and enhanced by the page script like the
/// sign-in form; once the account exists, the dashboard loads (signed in), or, where addresses
/// must be confirmed first, the page saying a link is on its way.
#[component]
fn RegisterForm() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    let after = if confirmation_required() {
        SIGNUP_MAILED
    } else {
        DEFAULT_AFTER_LOGIN
    };

    view! {
        <ActionForm
            action=register
            attr:data-testid="register-form"
            attr:class="form"
            attr:data-enhance=after
        >
            <Field label="Email" name="email" kind="email" autocomplete="email" error />
            <Field
                label="Password (8 to 256 characters)"
                name="password"
                kind="password"
                autocomplete="new-password"
                error
            />
            <FormError error test_id="register-error" />
            <SubmitButton label="Create account" test_id="register-submit" pending=register.pending() />
        </ActionForm>
    }
}

/// Whether new accounts must confirm their address before signing in (`EMAIL_VERIFICATION`).
fn confirmation_required() -> bool {
    #[cfg(feature = "ssr")]
    {
        use crate::ssr::settings::EmailVerification;
        crate::ssr::context::app_state()
            .is_ok_and(|state| state.settings.email_verification == EmailVerification::Required)
    }
    #[cfg(not(feature = "ssr"))]
    false
}
