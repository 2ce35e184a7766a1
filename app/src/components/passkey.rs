//! The passkey script, inline on the pages that offer passkeys (sign-in, the second step, the
//! security page) and nowhere else, each page with only its own part (`passkey_<part>.js`) after
//! what they share (`passkey_common.js`): no WASM, and no other page pays for it.

use super::page_script::without_comments;
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use std::sync::LazyLock;

const COMMON: &str = include_str!("passkey_common.js");

/// Each part's script as sent: the shared code, then its own.
static SCRIPTS: LazyLock<[(&str, String); 3]> = LazyLock::new(|| {
    let with_common = |own: &str| without_comments(&format!("{COMMON}\n{own}"));
    [
        ("sign-in", with_common(include_str!("passkey_sign_in.js"))),
        ("confirm", with_common(include_str!("passkey_confirm.js"))),
        ("add", with_common(include_str!("passkey_add.js"))),
    ]
});

fn script_of(part: &str) -> &'static str {
    SCRIPTS
        .iter()
        .find(|(name, _)| *name == part)
        .map_or("", |(_, script)| script.as_str())
}

/// The script of `part`, once on a page with its [`PasskeyPart`]; the module runs after the page
/// is parsed.
#[component]
fn PasskeyScript(part: &'static str) -> impl IntoView {
    view! {
        <script type="module" nonce=use_nonce()>
            {script_of(part)}
        </script>
    }
}

/// A passkey part of a page (`part`: `sign-in`, `confirm` or `add`), with the script that runs
/// it: hidden until the script shows it where the browser can use passkeys. Its `children` come
/// before its button (`label`); under it, a status line (a cancelled prompt is said quietly) and
/// an alert (a refusal). `next`: where to go after signing in. A `confirm` part names the
/// functions giving its options and taking the signed answer (`options`, `finish`); its hidden
/// inputs go with the answer.
#[component]
pub fn PasskeyPart(
    part: &'static str,
    label: &'static str,
    #[prop(optional, into)] next: Option<String>,
    #[prop(optional)] options: Option<&'static str>,
    #[prop(optional)] finish: Option<&'static str>,
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
        <div
            class="passkey"
            data-passkey=part
            data-rp-id=relying_party_id()
            data-next=next
            data-options=options
            data-finish=finish
            data-testid=id.clone()
            hidden
        >
            {children.map(|children| children())}
            <button type="button" class=class data-testid=format!("{id}-button")>{label}</button>
            <p class="muted" role="status" data-testid=format!("{id}-status")></p>
            <p class="alert" role="alert" data-testid=format!("{id}-error") hidden></p>
        </div>
        <PasskeyScript part />
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
    fn each_part_gets_the_shared_code_and_its_own_and_no_other() {
        let parts = ["sign-in", "confirm", "add"];
        for part in parts {
            let script = script_of(part);
            assert!(
                script.contains("function usable("),
                "{part}: the shared code"
            );
            for other in parts {
                let selector = format!(r#"[data-passkey="{other}"]"#);
                assert_eq!(script.contains(&selector), other == part, "{part}: {other}");
            }
            assert!(!script.contains("\n//"), "{part}: comments are dropped");
        }
    }
}
