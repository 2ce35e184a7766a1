use crate::api::session::Register;
use crate::auth::redirect::DEFAULT_AFTER_LOGIN;
use crate::components::form::{Field, FormError, SubmitButton};
use leptos::prelude::*;

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <section class="card auth-card">
            <h1>"Create your account"</h1>
            <RegisterForm />
            <p class="muted">"Already registered? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}

/// The sign-up form, rendered on the server only and enhanced by the page script like the
/// sign-in form; once the account exists (and is signed in), the dashboard loads.
#[component]
fn RegisterForm() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let error = Signal::derive(move || register.value().get().and_then(Result::err));

    view! {
        <ActionForm
            action=register
            attr:data-testid="register-form"
            attr:class="form"
            attr:data-enhance=DEFAULT_AFTER_LOGIN
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
