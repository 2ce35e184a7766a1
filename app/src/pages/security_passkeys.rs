//! The security page's passkeys: the list, with a name to change and a way to delete each, and
//! "Add a passkey". Renaming and deleting are plain forms (enhanced by the page script); adding
//! needs the browser's WebAuthn, so the passkey script shows that part only where it exists.

use crate::api::passkeys::{
    list_passkeys, DeletePasskey, PasskeyInfo, RenamePasskey, NAME_MAX_CHARS,
};
use crate::auth::redirect::SECURITY_PAGE;
use crate::components::display::utc_time;
use crate::components::passkey::PasskeyPart;
use leptos::either::Either;
use leptos::prelude::*;
use server_fn::ServerFn;

/// The account's passkeys, read when the page renders.
#[component]
pub fn Passkeys() -> impl IntoView {
    let passkeys = Resource::new(|| (), |_| list_passkeys());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match passkeys.await {
                    Ok(passkeys) => Either::Left(view! { <PasskeysCard passkeys /> }),
                    Err(error) => Either::Right(view! {
                        <p class="alert" role="alert">{error.message}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PasskeysCard(passkeys: Vec<PasskeyInfo>) -> impl IntoView {
    let summary = match passkeys.len() {
        0 => "No passkeys yet. A passkey signs you in with your device's screen lock or a \
              security key instead of your password, and cannot be phished."
            .to_owned(),
        1 => "One passkey signs in to this account.".to_owned(),
        n => format!("{n} passkeys sign in to this account."),
    };
    view! {
        <h2>"Passkeys"</h2>
        <p data-testid="passkeys-status">{summary}</p>
        <ul class="passkeys" data-testid="passkeys">
            {passkeys.into_iter().map(|passkey| view! { <PasskeyItem passkey /> }).collect_view()}
        </ul>
        <PasskeyPart part="add" label="Add a passkey" primary=true>
            <label class="field">
                <span class="field-label">"Name of the new passkey (optional)"</span>
                <input type="text" name="name" maxlength=NAME_MAX_CHARS autocomplete="off" data-testid="passkey-name-input" />
            </label>
        </PasskeyPart>
    }
}

/// One passkey: its name (changeable in place), when it was added and last used, and "Delete".
#[component]
fn PasskeyItem(passkey: PasskeyInfo) -> impl IntoView {
    let id = passkey.id.to_string();
    let last_used = match passkey.last_used_at {
        Some(at) => format!("last used {}", utc_time(at)),
        None => "never used".to_owned(),
    };
    let synced = passkey.synced.then_some(", synced between your devices");
    let label = format!("Name of passkey {}", passkey.name);
    view! {
        <li data-testid="passkey">
            <form method="post" action=RenamePasskey::url() class="inline-form" data-enhance=SECURITY_PAGE>
                <p class="alert" role="alert" hidden></p>
                <input type="hidden" name="id" value=id.clone() />
                <input type="text" name="name" value=passkey.name required maxlength=NAME_MAX_CHARS aria-label=label data-testid="passkey-name" />
                <button type="submit" class="button button-ghost button-small" data-testid="rename-passkey">"Rename"</button>
            </form>
            <span class="muted">"Added " {utc_time(passkey.created_at)} ", " {last_used} {synced}</span>
            <form method="post" action=DeletePasskey::url() class="inline-form" data-enhance=SECURITY_PAGE>
                <p class="alert" role="alert" hidden></p>
                <input type="hidden" name="id" value=id />
                <button type="submit" class="button button-danger button-small" data-testid="delete-passkey">"Delete"</button>
            </form>
        </li>
    }
}
