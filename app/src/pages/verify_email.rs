use crate::api::email::{VerifyEmail, ADDRESS_CONFIRMED};
use crate::components::form::{FormError, SubmitButton};
use crate::pages::link_page::{keep_out_of_referrers, query_value, LinkCheck, LinkKind};
use leptos::either::Either;
use leptos::prelude::*;

/// Opened from a mail confirming an address: one button confirms it (opening the link alone
/// does not, so a mail scanner's visit changes nothing).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    keep_out_of_referrers();
    let confirmed = query_value("done").is_some();
    view! {
        <section class="card auth-card">
            <h1>"Confirm your email address"</h1>
            {if confirmed {
                Either::Left(view! {
                    <p class="notice" role="status" data-testid="email-verified">
                        "Your email address is confirmed."
                    </p>
                    <p><a href="/dashboard" class="button">"Continue"</a></p>
                })
            } else {
                Either::Right(view! {
                    <LinkCheck
                        kind=LinkKind::Address
                        ask_again="/dashboard"
                        ask_label="Sign in to get a new link"
                        form=|email, token| view! {
                            <p class="muted">
                                "Confirm that " <strong data-testid="verify-email-address">{email}</strong>
                                " is your address."
                            </p>
                            <VerifyEmailForm token />
                        }
                    />
                })
            }}
        </section>
    }
}

#[component]
fn VerifyEmailForm(token: String) -> impl IntoView {
    let verify = ServerAction::<VerifyEmail>::new();
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    view! {
        <ActionForm
            action=verify
            attr:data-testid="verify-email-form"
            attr:class="form"
            attr:data-enhance=ADDRESS_CONFIRMED
        >
            <input type="hidden" name="token" value=token />
            <FormError error test_id="verify-email-error" />
            <SubmitButton
                label="Confirm my address"
                test_id="verify-email-submit"
                pending=verify.pending()
            />
        </ActionForm>
    }
}
