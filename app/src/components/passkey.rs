//! The passkey script, inline on the pages that offer passkeys (sign-in, the second step, the
//! security page) and nowhere else: about 1.5 KB that no other page pays for, and no WASM. See
//! `passkey.js` for what it does.

use super::page_script::without_comments;
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use std::sync::LazyLock;

static PASSKEY_SCRIPT: LazyLock<String> =
    LazyLock::new(|| without_comments(include_str!("passkey.js")));

/// Place once on a page with a [`PasskeyPart`]; the module runs after the page is parsed.
#[component]
fn PasskeyScript() -> impl IntoView {
    view! {
        <script type="module" nonce=use_nonce()>
            {PASSKEY_SCRIPT.as_str()}
        </script>
    }
}

/// A passkey part of a page (`part`: `sign-in`, `second-step` or `add`), with the script that
/// runs it: hidden until the script shows it where the browser can use passkeys. Its `children`
/// come before its button (`label`); under it, a status line (a cancelled prompt is said quietly)
/// and an alert (a refusal). `next`: where to go after signing in.
#[component]
pub fn PasskeyPart(
    part: &'static str,
    label: &'static str,
    #[prop(optional, into)] next: Option<String>,
    #[prop(optional)] primary: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let id = format!("passkey-{part}");
    let class = if primary {
        "button"
    } else {
        "button button-ghost"
    };
    view! {
        <div class="passkey" data-passkey=part data-rp-id=relying_party_id() data-next=next data-testid=id.clone() hidden>
            {children.map(|children| children())}
            <button type="button" class=class data-testid=format!("{id}-button")>{label}</button>
            <p class="muted" role="status" data-testid=format!("{id}-status")></p>
            <p class="alert" role="alert" data-testid=format!("{id}-error") hidden></p>
        </div>
        <PasskeyScript />
    }
}

/// The domain passkeys are made for (`WEBAUTHN_RP_ID`): the script offers none on a page served
/// under another host (`127.0.0.1`, say), where the browser would refuse them.
fn relying_party_id() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let state = crate::ssr::context::app_state().ok()?;
        state
            .settings
            .passkeys
            .as_ref()
            .map(|party| party.id.clone())
    }
    #[cfg(not(feature = "ssr"))]
    None
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
            r#"[data-passkey="sign-in"]"#,
            r#"[data-passkey="second-step"]"#,
            r#"[data-passkey="add"]"#,
            "toJSON",
        ] {
            assert!(PASSKEY_SCRIPT.contains(part), "{part} missing");
        }
    }
}
