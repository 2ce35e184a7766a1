use crate::api::passkey_sign_in::PasskeySecondFactorOptions;
use crate::api::second_step::VerifySecondFactor;
use crate::auth::redirect::safe_next;
use crate::components::form::{CodeField, CodeKind, FormError, SubmitButton};
use crate::components::passkey::{passkeys_offered, PasskeyPart};
use crate::pages::link_page::query_value;
use leptos::prelude::*;
use server_fn::ServerFn;

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
            <SecondStepForm method=CodeKind::App next=next.clone() />
            {passkeys_offered().then(|| view! {
                // Shown by the passkey script when the waiting account has a passkey.
                <PasskeyPart
                    part="confirm"
                    label="Use a passkey instead"
                    next=next.clone()
                    options=PasskeySecondFactorOptions::PATH
                    finish=VerifySecondFactor::PATH
                >
                    <input type="hidden" name="method" value="passkey" />
                </PasskeyPart>
            })}
            <details class="alternative" data-testid="recovery-code-option">
                <summary>"Use a recovery code instead"</summary>
                <SecondStepForm method=CodeKind::Recovery next />
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

/// "Trust this browser", when trust is on (`MFA_TRUST_DAYS` above zero).
#[component]
fn TrustThisBrowser() -> impl IntoView {
    let days = trust_days();
    (days > 0).then(|| {
        view! {
            <label class="inline-label">
                <input type="checkbox" name="trust_device" value="true" data-testid="trust-device" />
                {format!("Trust this browser: skip this step here for {days} days")}
            </label>
        }
    })
}

/// `MFA_TRUST_DAYS`, read on the server (the page renders there only).
fn trust_days() -> u64 {
    #[cfg(feature = "ssr")]
    {
        crate::ssr::context::app_state()
            .map_or(0, |state| state.settings.mfa_trust.as_secs() / 86_400)
    }
    #[cfg(not(feature = "ssr"))]
    0
}

/// One of the page's two forms: `method` says which code it takes.
#[component]
fn SecondStepForm(method: CodeKind, next: String) -> impl IntoView {
    let verify = ServerAction::<VerifySecondFactor>::new();
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    // The form's method, its test ids (form, field, error, button), the field's label and the
    // button's.
    let (name, ids, label, submit) = match method {
        CodeKind::Recovery => (
            "recovery_code",
            [
                "recovery-code-form",
                "recovery-code-input",
                "recovery-code-error",
                "recovery-code-submit",
            ],
            "Recovery code (XXXX-XXXX-XXXX-XXXX)",
            "Use recovery code",
        ),
        _ => (
            "totp",
            [
                "second-step-form",
                "code-input",
                "second-step-error",
                "second-step-submit",
            ],
            "Authentication code",
            "Verify",
        ),
    };
    view! {
        <ActionForm action=verify attr:data-testid=ids[0] attr:class="form" attr:data-enhance=next>
            <input type="hidden" name="method" value=name />
            <CodeField label kind=method test_id=ids[1] error />
            <TrustThisBrowser />
            <FormError error test_id=ids[2] />
            <SubmitButton label=submit test_id=ids[3] pending=verify.pending() />
        </ActionForm>
    }
}
