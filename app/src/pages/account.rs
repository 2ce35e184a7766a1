use crate::api::account::{
    list_sessions, ChangePassword, DeleteAccount, LogoutOthers, RevokeSession,
};
use crate::api::address_change::ChangeEmail;
use crate::auth::SessionInfo;
use crate::components::browser::{confirm_identity_when_asked, leave_when_signed_out};
use crate::components::display::{device_name, utc_time};
use crate::components::form::{Field, FormError, SubmitButton};
use crate::components::hydration::report_island_hydrated;
use crate::pages::link_page::query_value;
use leptos::either::Either;
use leptos::prelude::*;

/// The signed-in user's account, in the order people look for things: how they sign in (the
/// security page, the password, the address), where they are signed in, their data, and last,
/// set apart as destructive, erasing the account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let email_change_mailed = query_value("email_change").is_some();
    view! {
        <SignInSecurity />
        <AccountSettings email_change_mailed />
        <YourData />
        <DeleteAccountCard />
    }
}

/// Where two-step verification and recovery codes are managed.
#[component]
fn SignInSecurity() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Account"</h1>
            <h2>"Two-step verification"</h2>
            <p class="muted">
                "A code from an authenticator app after your password, and recovery codes for "
                "when you lose the app."
            </p>
            <p>
                <a href="/account/security" class="button button-ghost" data-testid="security-link">
                    "Manage two-step verification"
                </a>
            </p>
        </section>
    }
}

/// Everything held about the user, as a download, and how to have it erased.
#[component]
fn YourData() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Your data"</h2>
            <p class="muted">
                "Download everything this site holds about you: your account, the devices signed "
                "in to it, its security events and the mail sent to you, as one JSON file."
            </p>
            <p>
                <a href="/account/export" download="account-data.json" class="button button-ghost" data-testid="export-data-link">
                    "Download my data"
                </a>
            </p>
            <p class="muted">
                "Deleting your account (below) erases it: the account, every session and device "
                "record, and mail still waiting to be sent; the security log keeps only bare events, "
                "without your address or device."
            </p>
        </section>
    }
}

/// The whole page is one island: a password change or a revoked device reloads the device list.
#[island]
fn AccountSettings(email_change_mailed: bool) -> impl IntoView {
    report_island_hydrated();
    let revoke = ServerAction::<RevokeSession>::new();
    let others = ServerAction::<LogoutOthers>::new();
    let change = ServerAction::<ChangePassword>::new();
    confirm_identity_when_asked(move || revoke.value().get());
    confirm_identity_when_asked(move || others.value().get());
    confirm_identity_when_asked(move || change.value().get());
    // Reloaded after anything on this page that ends a login.
    let sessions = Resource::new(
        move || {
            (
                revoke.version().get(),
                others.version().get(),
                change.version().get(),
            )
        },
        |_| list_sessions(),
    );
    view! {
        <section class="card">
            <h2>"Devices"</h2>
            <p class="muted">"Everywhere you are signed in. End any session you do not recognise."</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading your devices…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => Either::Left(view! { <SessionTable sessions=list revoke /> }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="sessions-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
            <ActionForm action=others attr:class="inline-form">
                <button type="submit" class="button button-ghost" data-testid="logout-others-button">
                    "Sign out everywhere else"
                </button>
            </ActionForm>
            {move || {
                matches!(others.value().get(), Some(Ok(())))
                    .then(|| view! {
                        <p class="notice" role="status" data-testid="logout-others-done">
                            "Every other session was signed out."
                        </p>
                    })
            }}
        </section>
        <ChangePasswordCard change />
        <ChangeEmailCard mailed=email_change_mailed />
    }
}

#[component]
fn SessionTable(sessions: Vec<SessionInfo>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <table class="table" data-testid="sessions-table">
            <thead>
                <tr>
                    <th>"Device"</th>
                    <th>"Address"</th>
                    <th>"Signed in"</th>
                    <th>"Last active"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {sessions
                    .into_iter()
                    .map(|session| {
                        view! {
                            <tr data-testid="session-row" data-current=session.current.to_string()>
                                <td title=session.user_agent.clone().unwrap_or_default()>
                                    {device_name(session.user_agent.as_deref())}
                                </td>
                                <td>{session.ip.unwrap_or_else(|| "unknown".to_owned())}</td>
                                <td>{utc_time(session.started_at)}</td>
                                <td>{utc_time(session.last_used_at)}</td>
                                <td>
                                    {if session.current {
                                        Either::Left(view! { <span class="badge">"This device"</span> })
                                    } else {
                                        Either::Right(view! {
                                            <ActionForm action=revoke attr:class="inline-form">
                                                <input type="hidden" name="handle" value=session.handle />
                                                <button
                                                    type="submit"
                                                    class="button button-ghost button-small"
                                                    data-testid="revoke-session-button"
                                                >
                                                    "Sign out"
                                                </button>
                                            </ActionForm>
                                        })
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ChangePasswordCard(change: ServerAction<ChangePassword>) -> impl IntoView {
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <p class="muted">"Changing it signs out every other device."</p>
            <ActionForm action=change attr:class="form" attr:data-testid="change-password-form">
                <Field
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <Field
                    label="New password (8 characters or more)"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                <FormError error test_id="change-password-error" />
                {move || done().then(|| view! {
                    <p class="notice" role="status" data-testid="change-password-done">
                        "Password changed. Every other device was signed out."
                    </p>
                })}
                <SubmitButton
                    label="Change password"
                    test_id="change-password-submit"
                    pending=change.pending()
                />
            </ActionForm>
        </section>
    }
}

/// Moves the account to a new address, once a link mailed there is followed.
#[component]
fn ChangeEmailCard(mailed: bool) -> impl IntoView {
    let change = ServerAction::<ChangeEmail>::new();
    confirm_identity_when_asked(move || change.value().get());
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || mailed || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="card">
            <h2>"Email address"</h2>
            <p class="muted">
                "We mail a link to the new address; it becomes your sign-in address once you open it, "
                "and every device is signed out then."
            </p>
            <ActionForm action=change attr:class="form" attr:data-testid="change-email-form">
                <Field label="New email address" name="new_email" kind="email" autocomplete="email" error />
                <Field
                    label="Current password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormError error test_id="change-email-error" />
                {move || done().then(|| view! {
                    <p class="notice" role="status" data-testid="change-email-mailed">
                        "Check the new address's inbox: open the link there to finish the change."
                    </p>
                })}
                <SubmitButton
                    label="Change address"
                    test_id="change-email-submit"
                    pending=change.pending()
                />
            </ActionForm>
        </section>
    }
}

/// Erases the account for good, after the password is confirmed. An island of its own, last on
/// the page and set apart in red.
#[island]
fn DeleteAccountCard() -> impl IntoView {
    report_island_hydrated();
    let delete = ServerAction::<DeleteAccount>::new();
    leave_when_signed_out(move || matches!(delete.value().get(), Some(Ok(()))));
    confirm_identity_when_asked(move || delete.value().get());
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <section class="card danger-zone" aria-labelledby="delete-account-heading">
            <h2 id="delete-account-heading">"Delete account"</h2>
            <p>
                <strong>"This erases your account for good"</strong>
                " and signs you out everywhere. It cannot be undone."
            </p>
            <ActionForm action=delete attr:class="form" attr:data-testid="delete-account-form">
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormError error test_id="delete-account-error" />
                <button
                    type="submit"
                    class="button button-danger"
                    data-testid="delete-account-submit"
                    disabled=move || delete.pending().get()
                >
                    "Delete my account for good"
                </button>
            </ActionForm>
        </section>
    }
}
