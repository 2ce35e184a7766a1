use crate::api::two_step::{
    security_overview, totp_enrolment, BeginTotp, ConfirmTotp, DisableTotp, ForgetTrustedBrowser,
    ForgetTrustedBrowsers, RegenerateRecoveryCodes, Security, TrustedBrowserInfo,
    RECOVERY_CODES_PAGE, SECURITY_PAGE, TOTP_PAGE,
};
use crate::components::display::{device_name, utc_time};
use crate::components::form::{CodeField, CodeKind, FormError, SubmitButton};
use crate::components::passkey::passkeys_offered;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use server_fn::ServerFn;

/// The account's sign-in security: how it signs in (password, two-step verification) and its
/// recovery codes. Rendered on the server only; every form works without JavaScript.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let security = Resource::new(|| (), |_| security_overview());
    view! {
        <section class="card">
            <h1>"Security"</h1>
            <p class="muted">
                "How you sign in. Your password and devices are on your "
                <a href="/account">"account page"</a>"."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match security.await {
                        Ok(security) => Either::Left(view! { <TwoStepCard security /> }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TwoStepCard(security: Security) -> impl IntoView {
    let status = match (security.available, security.totp_since) {
        (_, Some(since)) => EitherOf3::A(view! {
            <p data-testid="two-step-status">
                "Two-step verification is " <strong>"on"</strong>
                ": signing in asks for a code from your authenticator app (set up "
                {utc_time(since)} ")."
            </p>
            <p data-testid="recovery-codes-left">
                {security.recovery_codes_left} " unused recovery codes left."
            </p>
            <ButtonForm
                action=RegenerateRecoveryCodes::url()
                then=RECOVERY_CODES_PAGE
                label="Make new recovery codes"
                test_id="regenerate-recovery-codes"
                danger=false
            />
            <div class="danger-zone">
                <p class="muted">"Turning it off lets your password alone sign in."</p>
                <ButtonForm
                    action=DisableTotp::url()
                    then=SECURITY_PAGE
                    label="Turn off two-step verification"
                    test_id="disable-totp"
                    danger=true
                />
            </div>
        }),
        (true, None) => EitherOf3::B(view! {
            <p data-testid="two-step-status">
                "Two-step verification is " <strong>"off"</strong>
                ": your password alone signs in. Add a code from an authenticator app "
                "(such as Aegis, Google Authenticator or 1Password) to keep your account safe "
                "even if your password leaks."
            </p>
            <BeginTotpForm />
        }),
        (false, None) => EitherOf3::C(view! {
            <p data-testid="two-step-status">"Two-step verification is not available on this server."</p>
        }),
    };
    let trusted = (!security.trusted_browsers.is_empty())
        .then(|| view! { <TrustedBrowsers browsers=security.trusted_browsers /> });
    view! {
        <h2>"Two-step verification"</h2>
        {status}
        {trusted}
        {passkeys_offered().then(|| view! { <super::security_passkeys::Passkeys /> })}
    }
}

/// The browsers that skip the second step, each with a way to forget it.
#[component]
fn TrustedBrowsers(browsers: Vec<TrustedBrowserInfo>) -> impl IntoView {
    view! {
        <h2>"Trusted browsers"</h2>
        <p class="muted">"These skip the code until their trust ends. Forget any you do not recognise."</p>
        <ul data-testid="trusted-browsers">
            {browsers
                .into_iter()
                .map(|browser| {
                    view! {
                        <li data-testid="trusted-browser">
                            {device_name(browser.user_agent.as_deref())} ", trusted "
                            {utc_time(browser.trusted_at)} ", until " {utc_time(browser.expires_at)} " "
                            <form method="post" action=ForgetTrustedBrowser::url() class="inline-form" data-enhance=SECURITY_PAGE>
                                <p class="alert" role="alert" hidden></p>
                                <input type="hidden" name="handle" value=browser.handle />
                                <button type="submit" class="button button-ghost button-small" data-testid="forget-trusted-browser">
                                    "Forget"
                                </button>
                            </form>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <ButtonForm
            action=ForgetTrustedBrowsers::url()
            then=SECURITY_PAGE
            label="Forget every trusted browser"
            test_id="forget-trusted-browsers"
            danger=false
        />
    }
}

/// A form that is just a button, posting to `action`; enhanced by the page script.
#[component]
fn ButtonForm(
    action: &'static str,
    then: &'static str,
    label: &'static str,
    test_id: &'static str,
    danger: bool,
) -> impl IntoView {
    let class = if danger {
        "button button-danger"
    } else {
        "button button-ghost"
    };
    view! {
        <form method="post" action=action class="inline-form" data-enhance=then>
            <p class="alert" role="alert" hidden></p>
            <button type="submit" class=class data-testid=test_id>{label}</button>
        </form>
    }
}

#[component]
fn BeginTotpForm() -> impl IntoView {
    view! {
        <ButtonForm
            action=BeginTotp::url()
            then=TOTP_PAGE
            label="Set up an authenticator app"
            test_id="begin-totp"
            danger=false
        />
    }
}

/// Setting up an authenticator app: the QR code and the seed to type in, and the first code to
/// confirm it. Needs a recent sign-in, like every change to how the account signs in.
#[component]
pub fn TotpSetupPage() -> impl IntoView {
    let enrolment = Resource::new(|| (), |_| totp_enrolment());
    view! {
        <section class="card">
            <h1>"Set up an authenticator app"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match enrolment.await {
                        Ok(Some(enrolment)) => EitherOf3::A(view! {
                            <ol class="steps">
                                <li>"Scan this QR code with your authenticator app:"</li>
                            </ol>
                            <div class="qr" inner_html=enrolment.qr_svg></div>
                            <p class="muted">"Or type this key into the app:"</p>
                            <p><code class="secret" data-testid="totp-secret">{enrolment.secret}</code></p>
                            <ConfirmTotpForm />
                        }),
                        Ok(None) => EitherOf3::B(view! {
                            <p class="muted">"No set-up is under way."</p>
                            <BeginTotpForm />
                            <p><a href=SECURITY_PAGE>"Back to security"</a></p>
                        }),
                        Err(error) => EitherOf3::C(view! {
                            <p class="alert" role="alert">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ConfirmTotpForm() -> impl IntoView {
    let confirm = ServerAction::<ConfirmTotp>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <ActionForm
            action=confirm
            attr:data-testid="confirm-totp-form"
            attr:class="form"
            attr:data-enhance=RECOVERY_CODES_PAGE
        >
            <CodeField
                label="Then enter the 6-digit code it shows"
                kind=CodeKind::App
                test_id="code-input"
                error
            />
            <FormError error test_id="confirm-totp-error" />
            <SubmitButton label="Turn on" test_id="confirm-totp-submit" pending=confirm.pending() />
        </ActionForm>
    }
}

/// New recovery codes, shown to the login that made them for ten minutes after.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let security = Resource::new(|| (), |_| security_overview());
    view! {
        <section class="card">
            <h1>"Your recovery codes"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let codes = security.await.map(|security| security.fresh_recovery_codes).unwrap_or_default();
                    if codes.is_empty() {
                        Either::Left(view! {
                            <p class="muted" data-testid="no-fresh-codes">
                                "Recovery codes are shown only in the ten minutes after they are made. "
                                "Make new ones on the security page if you lost yours."
                            </p>
                        })
                    } else {
                        Either::Right(view! {
                            <p>
                                "Two-step verification is on. Write these codes down or keep them in a "
                                "password manager: each signs in once if you lose your authenticator app. "
                                "They will not be shown again."
                            </p>
                            <ul class="codes" data-testid="recovery-codes">
                                {codes.into_iter().map(|code| view! { <li><code data-testid="recovery-code">{code}</code></li> }).collect_view()}
                            </ul>
                        })
                    }
                })}
            </Suspense>
            <p><a href=SECURITY_PAGE class="button" data-testid="recovery-codes-done">"I have saved them"</a></p>
        </section>
    }
}
