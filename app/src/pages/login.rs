use crate::api::session::Login;
use crate::auth::redirect::safe_next;
use crate::auth::viewer::use_viewer;
use crate::components::form::{Field, FormError, SubmitButton};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let viewer = use_viewer();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if let Some(Ok(signed_in)) = login.value().get() {
            viewer.set(Some(signed_in));
            let next = query.read_untracked().get("next");
            navigate(&safe_next(next.as_deref()), Default::default());
        }
    });
    let error = Signal::derive(move || login.value().get().and_then(Result::err));

    view! {
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <ActionForm action=login attr:data-testid="login-form" attr:class="form">
                <input type="hidden" name="next" value=next />
                <Field label="Email" name="email" kind="email" autocomplete="username" error />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormError error test_id="login-error" />
                <SubmitButton label="Sign in" test_id="login-submit" pending=login.pending() />
            </ActionForm>
            <p class="muted">"No account yet? " <a href="/register">"Create one"</a></p>
        </section>
    }
}
