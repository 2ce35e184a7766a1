use crate::api::session::Login;
use crate::auth::redirect::safe_next;
use crate::components::browser::go_to;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::components::hydration::report_island_hydrated;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    view! {
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <LoginForm next />
            <p class="muted">"No account yet? " <a href="/register">"Create one"</a></p>
        </section>
    }
}

/// The sign-in form. Without JavaScript it posts to `/api/login`, which answers with a redirect;
/// hydrated, it signs in through the server function, shows errors next to the fields, and then
/// loads the page the visitor was going to (only a same-origin path; see [`safe_next`]).
#[island]
fn LoginForm(next: String) -> impl IntoView {
    report_island_hydrated();
    let login = ServerAction::<Login>::new();
    let destination = next.clone();
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            go_to(&safe_next(Some(&destination)));
        }
    });
    let error = Signal::derive(move || login.value().get().and_then(Result::err));

    view! {
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
    }
}
