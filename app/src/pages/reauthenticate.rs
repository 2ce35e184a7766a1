use crate::api::step_up::{
    PasskeyReauthenticationOptions, Reauthenticate, ReauthenticateWithPasskey,
};
use crate::api::two_step::security_overview;
use crate::auth::redirect::safe_next;
use crate::components::form::{CodeField, CodeKind, Field, FormError, SubmitButton};
use crate::components::passkey::{passkeys_offered, PasskeyPart};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

/// Where a signed-in user is sent before an action that asks for a recent sign-in: they enter
/// their password again (and a code, when the account has two-step verification), then go on to
/// `next`. Rendered on the server only, like the sign-in page: no island, and the form works
/// without JavaScript.
#[component]
pub fn ReauthenticatePage() -> impl IntoView {
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    let security = Resource::new(|| (), |_| security_overview());
    view! {
        <section class="card auth-card">
            <h1>"Confirm it's you"</h1>
            <p class="muted">
                "This action needs a recent sign-in. Confirm it's you to continue; "
                "you will not be signed out."
            </p>
            <Suspense fallback=|| ()>
                {move || {
                    let next = next.clone();
                    Suspend::new(async move {
                        let two_step = security
                            .await
                            .is_ok_and(|security| security.totp_since.is_some());
                        view! { <ReauthenticateForm next two_step /> }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn ReauthenticateForm(next: String, two_step: bool) -> impl IntoView {
    let confirm = ServerAction::<Reauthenticate>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let destination = safe_next(Some(&next));
    let passkey = passkeys_offered().then(|| {
        let next = destination.clone();
        view! {
            // Shown by the passkey script when the account has a passkey.
            <PasskeyPart
                part="confirm"
                label="Use a passkey instead"
                next=next.clone()
                options=PasskeyReauthenticationOptions::PATH
                finish=ReauthenticateWithPasskey::PATH
            >
                <input type="hidden" name="next" value=next />
            </PasskeyPart>
        }
    });
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
            {two_step.then(|| view! {
                <CodeField
                    label="Code from your authenticator app (or a recovery code)"
                    kind=CodeKind::Either
                    test_id="code-input"
                    error
                />
            })}
            <FormError error test_id="reauthenticate-error" />
            <SubmitButton
                label="Continue"
                test_id="reauthenticate-submit"
                pending=confirm.pending()
            />
        </ActionForm>
        {passkey}
    }
}
