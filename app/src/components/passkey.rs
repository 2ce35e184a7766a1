//! The passkey script, inline on the pages that offer passkeys (sign-in, the second step, the
//! security page) and nowhere else: about 1.5 KB that no other page pays for, and no WASM. See
//! `passkey.js` for what it does.

use super::page_script::without_comments;
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use std::sync::LazyLock;

static PASSKEY_SCRIPT: LazyLock<String> =
    LazyLock::new(|| without_comments(include_str!("passkey.js")));

/// Place once on a page with a passkey part (`data-passkey-sign-in`, `data-passkey-second-step`
/// or `data-passkey-add`); the module runs after the page is parsed.
#[component]
pub fn PasskeyScript() -> impl IntoView {
    view! {
        <script type="module" nonce=use_nonce()>
            {PASSKEY_SCRIPT.as_str()}
        </script>
    }
}

/// The status and error lines of a passkey part: a cancelled prompt is said quietly, a refusal
/// as an alert.
#[component]
pub fn PasskeyMessages(test_id: &'static str) -> impl IntoView {
    view! {
        <p class="muted" role="status" data-testid=format!("{test_id}-status")></p>
        <p class="alert" role="alert" data-testid=format!("{test_id}-error") hidden></p>
    }
}

/// Whether this server offers passkeys (`PASSKEYS`); read on the server, where the pages that
/// offer them render.
pub fn passkeys_offered() -> bool {
    #[cfg(feature = "ssr")]
    {
        crate::ssr::context::app_state().is_ok_and(|state| state.passkeys.is_some())
    }
    #[cfg(not(feature = "ssr"))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sent_script_keeps_its_three_parts() {
        for part in [
            "data-passkey-sign-in",
            "data-passkey-second-step",
            "data-passkey-add",
            "toJSON",
        ] {
            assert!(PASSKEY_SCRIPT.contains(part), "{part} missing");
        }
    }
}
