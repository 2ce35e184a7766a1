#!/usr/bin/env bash
# Sets up what is missing and runs every test: Rust unit and HTTP-level integration tests, then
# the Playwright suite in Chromium against the built app.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh --test
source scripts/env.sh

echo "==> Rust tests (unit and HTTP integration)"
cargo_like_leptos test -p app -p server --locked

echo "==> building the app for the browser suite"
cargo leptos build

echo "==> Playwright suite (Chromium)"
cd end2end
CI="${CI:-}" npx playwright test
