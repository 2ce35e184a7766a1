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
set +e
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/results.json npx playwright test --reporter=list,json
status=$?
set -e
# One closing line with the counts, so a run that executed no browser test cannot pass unseen.
node -e '
  const stats = require("./test-results/results.json").stats;
  const skipped = stats.skipped ? `, ${stats.skipped} skipped` : "";
  console.log(`playwright: ${stats.expected} passed, ${stats.unexpected + stats.flaky} failed${skipped}`);
  if (stats.expected === 0) process.exit(1);
' || status=1
exit $status
