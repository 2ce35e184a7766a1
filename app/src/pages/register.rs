use crate::api::session::Register;
use crate::auth::redirect::DEFAULT_AFTER_LOGIN;
use crate::auth::viewer::use_viewer;
use crate::components::form::{Field, FormError, SubmitButton};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let viewer = use_viewer();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if let Some(Ok(signed_in)) = register.value().get() {
            viewer.set(Some(signed_in));
            navigate(DEFAULT_AFTER_LOGIN, Default::default());
        }
    });
    let error = Signal::derive(move || register.value().get().and_then(Result::err));

    view! {
        <section class="card auth-card">
            <h1>"Create your account"</h1>
            <ActionForm action=register attr:data-testid="register-form" attr:class="form">
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
            <p class="muted">"Already registered? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}
