#!/usr/bin/env bash
# Sets up what is missing and runs every test: Rust unit and HTTP-level integration tests, then
# the Playwright suite in Chromium against the built app; the integration and browser suites run
# twice, on the embedded defaults (SQLite) and on a throwaway PostgreSQL started here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh --test
source scripts/env.sh
source scripts/services.sh
trap stop_postgres EXIT

echo "==> starting a throwaway PostgreSQL"
start_postgres

echo "==> Rust tests on the embedded defaults (unit and HTTP integration)"
TEST_POSTGRES_URL= cargo_like_leptos test -p app -p server --locked

echo "==> Rust HTTP integration tests on PostgreSQL"
cargo_like_leptos test -p server --test api --locked

echo "==> building the app for the browser suite"
cargo leptos build

# Runs the Playwright suite once; prints one closing line with the counts, so a run that
# executed no browser test cannot pass unseen.
playwright() {
  local label=$1
  (
    cd end2end
    local status=0
    PLAYWRIGHT_JSON_OUTPUT_NAME="test-results/$label.json" npx playwright test --reporter=list,json || status=$?
    node -e '
      const stats = require(process.argv[1]).stats;
      const skipped = stats.skipped ? `, ${stats.skipped} skipped` : "";
      console.log(`${process.argv[2]}: ${stats.expected} passed, ${stats.unexpected + stats.flaky} failed${skipped}`);
      if (stats.expected === 0) process.exit(1);
    ' "./test-results/$label.json" "$label" || status=1
    exit $status
  )
}

echo "==> Playwright suite (Chromium) on the embedded defaults"
E2E_POSTGRES_URL= playwright playwright-sqlite
echo "==> Playwright suite (Chromium) on PostgreSQL"
E2E_POSTGRES_URL="$TEST_POSTGRES_URL" playwright playwright-postgres
