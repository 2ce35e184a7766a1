//! The one script every page carries, inline: it loads the WASM bundle only where the page has an
//! island, and enhances the forms that work without it (see `page_script.js` for both).
//!
//! Why: an anonymous visitor's pages (home, sign-in, sign-up) have no islands, and their forms
//! already work as plain HTML. Loading the bundle there would cost about 180 KB and a second of
//! a phone's time for nothing but a pending state and an error shown without a reload, which the
//! script gives in about 1 KB. Pages with islands load the bundle as before, by Leptos's own
//! loader; deciding in the browser, after parsing, means no page needs to declare which kind it is.

use leptos::nonce::use_nonce;
use leptos::prelude::*;
use std::sync::LazyLock;

/// The script as sent: its comment lines and indentation are for readers of the source, not for
/// every page's bytes.
static PAGE_SCRIPT: LazyLock<String> =
    LazyLock::new(|| without_comments(include_str!("page_script.js")));

/// Drops whole-line `//` comments, indentation and blank lines (the script has no multi-line
/// strings, so no line's meaning depends on them).
pub(crate) fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Place in the document's `<head>` (both parts may sit there: the template is inert and the
/// module script runs after parsing).
#[component]
pub fn PageScripts(options: LeptosOptions) -> impl IntoView {
    view! {
        <template id="bundle-loader">
            <HydrationScripts options islands=true />
        </template>
        <script type="module" nonce=use_nonce()>
            {PAGE_SCRIPT.as_str()}
        </script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_indentation_are_dropped_and_code_is_kept() {
        let source =
            "// why\nconst a = 1; // trailing kept\n\n  if (a) {\n    // inner\n    go();\n  }\n";
        assert_eq!(
            without_comments(source),
            "const a = 1; // trailing kept\nif (a) {\ngo();\n}"
        );
    }

    #[test]
    fn the_sent_script_is_smaller_than_the_source_and_still_has_its_parts() {
        let source = include_str!("page_script.js");
        assert!(PAGE_SCRIPT.len() < source.len() * 2 / 3);
        for part in [
            "bundle-loader",
            "leptos-island",
            "data-enhance",
            "aria-invalid",
        ] {
            assert!(PAGE_SCRIPT.contains(part), "{part} missing");
        }
    }
}
