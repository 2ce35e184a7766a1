#!/usr/bin/env bash
# Sets up what is missing and runs every test: Rust unit and HTTP-level integration tests, then
# the Playwright suite in Chromium against the built app; the integration and browser suites run
# on the embedded defaults (SQLite) and on PostgreSQL + Redis, both throwaway servers started
# here on free loopback ports and removed on exit; last, a few seconds of the benchmark harness.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# A clean build of everything below takes several GB; warn up front rather than let a full
# disk surface as a compiler error halfway through.
free_mib=$(( $(df -Pk . | awk 'NR == 2 { print $4 }') / 1024 ))
if (( free_mib < 10240 )); then
  echo "warning: only $free_mib MiB free on this disk; a clean build needs about 10 GiB" >&2
fi

bash scripts/setup.sh --test
source scripts/env.sh
source scripts/services.sh
trap stop_services EXIT

echo "==> starting throwaway PostgreSQL and Redis servers"
start_postgres
start_redis

echo "==> Rust tests on the embedded defaults (unit and HTTP integration)"
TEST_BACKEND=sqlite TEST_POSTGRES_URL= TEST_REDIS_URL= \
  cargo_like_leptos test -p app -p server --locked

echo "==> Rust HTTP integration tests on PostgreSQL (sessions in PostgreSQL too)"
TEST_BACKEND=postgres TEST_REDIS_URL= cargo_like_leptos test -p server --test api --locked

echo "==> Rust HTTP integration tests on PostgreSQL + Redis"
TEST_BACKEND=postgres+redis cargo_like_leptos test -p server --test api --locked

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
echo "==> Playwright suite (Chromium) on PostgreSQL + Redis"
E2E_POSTGRES_URL="$TEST_POSTGRES_URL" E2E_REDIS_URL="$TEST_REDIS_URL" playwright playwright-postgres-redis

# A few seconds of the benchmark harness on the debug build, so it cannot rot; its numbers are
# not judged here (see docs/benchmarks.md for real runs).
echo "==> benchmark harness smoke"
bash scripts/bench.sh --smoke
