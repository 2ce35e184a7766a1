use crate::api::email::{ResendVerification, VERIFICATION_RESENT};
use crate::api::sign_in::{me, LogoutAll};
use crate::components::browser::leave_when_signed_out;
use crate::components::hydration::report_island_hydrated;
use crate::pages::link_page::query_value;
use leptos::either::Either;
use leptos::prelude::*;
use server_fn::ServerFn;

/// The signed-in user's home. The email comes from the database (the token has none).
#[component]
pub fn DashboardPage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| me());
    // Read now, in the router's context: after the profile arrives, the render may have been
    // abandoned (the visitor left) and the context with it.
    let resent = query_value("verification").is_some();
    view! {
        <section class="card">
            <h1>"Dashboard"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading your profile…"</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(profile) => Either::Left(view! {
                            {(!profile.email_verified).then(|| view! { <ConfirmAddressReminder resent /> })}
                            <dl class="facts">
                                <dt>"Email"</dt>
                                <dd data-testid="dashboard-email">{profile.email}</dd>
                                <dt>"Role"</dt>
                                <dd data-testid="dashboard-role">{profile.role.as_str()}</dd>
                                <dt>"User id"</dt>
                                <dd>{profile.id}</dd>
                            </dl>
                        }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="dashboard-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
        <SignOutEverywhere />
    }
}

/// Shown until the account has followed the link mailed to its address. The form works without
/// JavaScript and is enhanced by the page script.
#[component]
fn ConfirmAddressReminder(resent: bool) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="verify-email-banner">
            <p>"Confirm your email address: open the link we mailed you."</p>
            {if resent {
                Either::Left(view! { <p data-testid="verification-resent">"We have sent a new link."</p> })
            } else {
                Either::Right(view! {
                    <form
                        method="post"
                        action=ResendVerification::url()
                        class="inline-form"
                        data-enhance=VERIFICATION_RESENT
                    >
                        <p class="alert" role="alert" hidden></p>
                        <button type="submit" class="button button-ghost button-small" data-testid="resend-verification-button">
                            "Send the link again"
                        </button>
                    </form>
                })
            }}
        </div>
    }
}

/// Ends every session of this account, on every device.
#[island]
fn SignOutEverywhere() -> impl IntoView {
    report_island_hydrated();
    let logout_all = ServerAction::<LogoutAll>::new();
    leave_when_signed_out(move || matches!(logout_all.value().get(), Some(Ok(()))));
    view! {
        <section class="card danger-zone">
            <h2>"Devices"</h2>
            <p class="muted">
                "Lost a device or signed in somewhere you should not have? End every session of this account, this one included."
            </p>
            <ActionForm action=logout_all>
                <button type="submit" class="button button-ghost" data-testid="logout-all-button">
                    "Sign out everywhere"
                </button>
            </ActionForm>
        </section>
    }
}
