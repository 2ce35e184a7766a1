# Sourced by the scripts: the LEPTOS_* settings cargo-leptos passes to its builds. Plain cargo
# commands get the same values, so `cargo test` and `cargo leptos build` share one set of
# compiled dependencies instead of rebuilding Leptos for each.
export LEPTOS_OUTPUT_NAME=leptos-hybrid-auth
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
