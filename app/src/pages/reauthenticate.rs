use crate::api::step_up::Reauthenticate;
use crate::auth::redirect::safe_next;
use crate::components::form::{Field, FormError, SubmitButton};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Where a signed-in user is sent before an action that asks for a recent sign-in: they enter
/// their password again, then go on to `next`. Rendered on the server only, like the sign-in
/// page: no island, and the form works without JavaScript.
#[component]
pub fn ReauthenticatePage() -> impl IntoView {
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    view! {
        <section class="card auth-card">
            <h1>"Confirm it's you"</h1>
            <p class="muted">
                "This action needs a recent sign-in. Enter your password to continue; "
                "you will not be signed out."
            </p>
            <ReauthenticateForm next />
        </section>
    }
}

#[component]
fn ReauthenticateForm(next: String) -> impl IntoView {
    let confirm = ServerAction::<Reauthenticate>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let destination = safe_next(Some(&next));
    view! {
        <ActionForm
            action=confirm
            attr:data-testid="reauthenticate-form"
            attr:class="form"
            attr:data-enhance=destination
        >
            <input type="hidden" name="next" value=next />
            <Field
                label="Password"
                name="password"
                kind="password"
                autocomplete="current-password"
                error
            />
            <FormError error test_id="reauthenticate-error" />
            <SubmitButton
                label="Continue"
                test_id="reauthenticate-submit"
                pending=confirm.pending()
            />
        </ActionForm>
    }
}
