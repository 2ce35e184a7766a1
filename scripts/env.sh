# Sourced by the scripts: the settings cargo-leptos passes to its debug builds. Plain cargo
# commands get the same values, so `cargo test` and `cargo leptos build` share one set of
# compiled dependencies instead of each rebuilding Leptos (RUSTFLAGS and LEPTOS_OUTPUT_NAME are
# part of every crate's build fingerprint). cargo-leptos appends its flag to RUSTFLAGS, so the
# flag is kept in its own variable and given only to plain cargo: `cargo_like_leptos test ...`.
# The bundle name, read from the workspace manifest (`output-name`; see app/src/product.rs).
LEPTOS_OUTPUT_NAME=$(sed -n 's/^output-name = "\(.*\)"$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../Cargo.toml")
export LEPTOS_OUTPUT_NAME
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=127.0.0.1:3000
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=frontend
export LEPTOS_BIN_DIR=server
export LEPTOS_JS_MINIFY=false
export LEPTOS_HASH_FILES=true
LEPTOS_DEV_RUSTFLAGS="--cfg erase_components"
# cargo-leptos uses a wasm-opt on the PATH for release builds instead of downloading one: the
# pinned Binaryen from tools/ (scripts/setup.sh installs it), never Debian's, whose bundle
# never hydrates.
tools_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/node_modules/.bin"
case ":$PATH:" in
  *":$tools_bin:"*) ;;
  *) export PATH="$tools_bin:$PATH" ;;
esac

cargo_like_leptos() {
  RUSTFLAGS="$LEPTOS_DEV_RUSTFLAGS" cargo "$@"
}
