use crate::api::second_step::VerifySecondFactor;
use crate::auth::redirect::safe_next;
use crate::components::form::{FormError, SubmitButton};
use crate::pages::link_page::query_value;
use leptos::prelude::*;

/// The second step of signing in: a code from the authenticator app, or a recovery code. Only a
/// browser whose password step left a waiting sign-in gets the form; any other is sent to sign
/// in. Rendered on the server only (no island): both forms work without JavaScript.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    if !sign_in_waiting() {
        return ().into_any();
    }
    let next = safe_next(query_value("next").as_deref());
    view! {
        <section class="card auth-card">
            <h1>"Two-step verification"</h1>
            <p class="muted">"Enter the 6-digit code your authenticator app shows for this account."</p>
            <CodeForm next=next.clone() />
            <details class="alternative" data-testid="recovery-code-option">
                <summary>"Use a recovery code instead"</summary>
                <RecoveryCodeForm next />
            </details>
            <p class="muted">
                "Codes change every 30 seconds; check that your device's clock is right. "
                <a href="/login">"Start again"</a>
            </p>
        </section>
    }
    .into_any()
}

/// Whether this browser has a sign-in waiting for its second step; if not, the answer becomes
/// a redirect to the sign-in page.
fn sign_in_waiting() -> bool {
    #[cfg(feature = "ssr")]
    {
        let waiting = crate::ssr::context::app_state().is_ok_and(|state| {
            crate::ssr::context::request_parts()
                .is_some_and(|parts| state.cookies.read_pending(&parts.headers).is_some())
        });
        if !waiting {
            crate::ssr::context::redirect_page("/login");
        }
        waiting
    }
    #[cfg(not(feature = "ssr"))]
    true
}

#[component]
fn CodeForm(next: String) -> impl IntoView {
    let verify = ServerAction::<VerifySecondFactor>::new();
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    let invalid = move || {
        error
            .get()
            .is_some_and(|error| error.is_about("code"))
            .to_string()
    };
    view! {
        <ActionForm
            action=verify
            attr:data-testid="second-step-form"
            attr:class="form"
            attr:data-enhance=next
        >
            <input type="hidden" name="method" value="totp" />
            <label class="field">
                <span class="field-label">"Authentication code"</span>
                <input
                    type="text"
                    name="code"
                    inputmode="numeric"
                    pattern="[0-9 ]*"
                    maxlength="7"
                    autocomplete="one-time-code"
                    required
                    aria-invalid=invalid
                    data-testid="code-input"
                />
            </label>
            <FormError error test_id="second-step-error" />
            <SubmitButton label="Verify" test_id="second-step-submit" pending=verify.pending() />
        </ActionForm>
    }
}

#[component]
fn RecoveryCodeForm(next: String) -> impl IntoView {
    let verify = ServerAction::<VerifySecondFactor>::new();
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    let invalid = move || {
        error
            .get()
            .is_some_and(|error| error.is_about("code"))
            .to_string()
    };
    view! {
        <ActionForm
            action=verify
            attr:data-testid="recovery-code-form"
            attr:class="form"
            attr:data-enhance=next
        >
            <input type="hidden" name="method" value="recovery_code" />
            <label class="field">
                <span class="field-label">"Recovery code (XXXX-XXXX-XXXX-XXXX)"</span>
                <input
                    type="text"
                    name="code"
                    maxlength="40"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    required
                    aria-invalid=invalid
                    data-testid="recovery-code-input"
                />
            </label>
            <FormError error test_id="recovery-code-error" />
            <SubmitButton
                label="Use recovery code"
                test_id="recovery-code-submit"
                pending=verify.pending()
            />
        </ActionForm>
    }
}
