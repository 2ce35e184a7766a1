use crate::api::sign_in::Login;
use crate::auth::redirect::safe_next;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::components::passkey::{passkeys_offered, PasskeyPart};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let next = query.get("next").unwrap_or_default();
    let after_reset = query.get("reset").is_some();
    view! {
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            {after_reset.then(|| view! {
                <p class="notice" role="status" data-testid="reset-sign-in-notice">
                    "Your password was changed and every device signed out. Sign in with the new "
                    "password and your second step."
                </p>
            })}
            <LoginForm next />
            <p class="muted">
                <a href="/forgot-password" data-testid="forgot-password-link">"Forgot your password?"</a>
            </p>
            <p class="muted">"No account yet? " <a href="/register">"Create one"</a></p>
        </section>
    }
}

/// The sign-in form, rendered on the server only. Without JavaScript it posts to `/api/login`,
/// which answers with a redirect (back here with the error, or on to `next`). With JavaScript the
/// page script sends it with fetch (`data-enhance`), shows errors next to the fields without a
/// reload, and then loads `next` (only a same-origin path; see [`safe_next`]). No island: the
/// sign-in page ships no WASM.
#[component]
fn LoginForm(next: String) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    let destination = safe_next(Some(&next));
    let passkey = passkeys_offered().then(|| view! { <PasskeySignIn next=destination.clone() /> });

    view! {
        <ActionForm
            action=login
            attr:data-testid="login-form"
            attr:class="form"
            attr:data-enhance=destination
        >
            <input type="hidden" name="next" value=next />
            // `webauthn`: the browser may offer this site's passkeys on the field (autofill).
            <Field label="Email" name="email" kind="email" autocomplete="username webauthn" error />
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
        {passkey}
    }
}

/// Signing in with a passkey: shown by the passkey script where the browser can; hidden without
/// JavaScript.
#[component]
fn PasskeySignIn(next: String) -> impl IntoView {
    view! {
        <PasskeyPart part="sign-in" label="Sign in with a passkey" next>
            <p class="muted">"or"</p>
        </PasskeyPart>
    }
}
