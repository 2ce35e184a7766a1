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

# Every step has a bound, so a hang turns the run red instead of stalling it: setup (which may
# download and compile tools on a fresh machine), each build and suite, and the services'
# start-up (PostgreSQL's within 60 s, Redis's within 5 s, see scripts/services.sh).
bounded() {
  local limit=$1
  shift
  timeout --kill-after=30s "$limit" "$@"
}

bounded 60m bash scripts/setup.sh --test
source scripts/env.sh
source scripts/services.sh
trap stop_services EXIT
dev_cargo() { bounded "$1" env RUSTFLAGS="$LEPTOS_DEV_RUSTFLAGS" cargo "${@:2}"; }

echo "==> static checks: formatting, lints (server and browser builds), dependency policy"
bounded 2m cargo fmt --all --check
dev_cargo 20m clippy --workspace --all-targets --locked -- -D warnings
dev_cargo 15m clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
bounded 5m cargo deny --log-level error --locked check bans licenses sources

echo "==> starting throwaway PostgreSQL and Redis servers"
start_postgres
start_redis

echo "==> Rust tests on the embedded defaults (unit and HTTP integration)"
TEST_BACKEND=sqlite TEST_POSTGRES_URL= TEST_REDIS_URL= \
  dev_cargo 30m test -p app -p server --locked

echo "==> Rust HTTP integration tests on PostgreSQL (sessions in PostgreSQL too)"
TEST_BACKEND=postgres TEST_REDIS_URL= dev_cargo 15m test -p server --test api --locked

echo "==> Rust HTTP integration tests on PostgreSQL + Redis"
TEST_BACKEND=postgres+redis dev_cargo 15m test -p server --test api --locked

echo "==> building the app for the browser suite"
bounded 20m cargo leptos build

# Runs the Playwright suite once; prints one closing line with the counts, so a run that
# executed no browser test cannot pass unseen.
# `playwright <label> <at least> [args]`: runs the browser suite, then fails unless every test it
# lists passed, none was skipped, and it lists at least the given number (so a stray `test.only`,
# `test.skip` or a spec that stopped loading cannot shrink the run and stay green).
playwright() {
  local label=$1 floor=$2
  shift 2
  (
    cd end2end
    local status=0
    PLAYWRIGHT_JSON_OUTPUT_NAME="test-results/$label.json" bounded 15m npx playwright test --forbid-only --reporter=list,json "$@" || status=$?
    node -e '
      const report = require(process.argv[1]);
      const [label, floor] = [process.argv[2], Number(process.argv[3])];
      const stats = report.stats;
      const listed = [];
      const walk = (suite) => {
        for (const spec of suite.specs ?? []) listed.push(...spec.tests);
        for (const child of suite.suites ?? []) walk(child);
      };
      report.suites.forEach(walk);
      const skipped = stats.skipped ? `, ${stats.skipped} skipped` : "";
      console.log(`${label}: ${stats.expected} passed, ${stats.unexpected + stats.flaky} failed${skipped} of ${listed.length} listed`);
      if (stats.skipped || stats.expected !== listed.length || listed.length < floor) {
        console.log(`${label}: every listed test must pass, none skipped, at least ${floor} listed`);
        process.exit(1);
      }
    ' "./test-results/$label.json" "$label" "$floor" || status=1
    exit $status
  )
}

# After a browser run: fails unless its main instance kept its accounts where the run was meant
# to (a renamed variable must not turn the PostgreSQL + Redis run into a second SQLite run).
prove_backend() {
  local sqlite_file=target/e2e/main/app.db
  case $1 in
    sqlite)
      [ -s "$sqlite_file" ] || { echo "the SQLite browser run left no $sqlite_file" >&2; return 1; }
      ;;
    postgres+redis)
      [ ! -e "$sqlite_file" ] || { echo "the PostgreSQL browser run wrote $sqlite_file" >&2; return 1; }
      local accounts
      accounts=$(psql -tA "${TEST_POSTGRES_URL%/*}/e2e_main" -c "SELECT count(*) FROM users")
      [ "${accounts:-0}" -gt 0 ] || { echo "no accounts in PostgreSQL's e2e_main" >&2; return 1; }
      [ -n "$(redis-cli -u "$TEST_REDIS_URL" --scan --pattern 'e2e-main-*' | head -n 1)" ] ||
        { echo "no session keys of the browser run in Redis" >&2; return 1; }
      ;;
  esac
  echo "browser run on $1: confirmed"
}

echo "==> Playwright suite (Chromium) on the embedded defaults"
E2E_POSTGRES_URL= E2E_REDIS_URL= playwright playwright-sqlite 54
prove_backend sqlite
echo "==> Playwright suite (Chromium) on PostgreSQL + Redis"
E2E_POSTGRES_URL="$TEST_POSTGRES_URL" E2E_REDIS_URL="$TEST_REDIS_URL" playwright playwright-postgres-redis 54
prove_backend postgres+redis

# A few seconds of the benchmark harness on the debug build, so it cannot rot; its numbers are
# not judged here (see docs/benchmarks.md for real runs).
echo "==> benchmark harness smoke"
bounded 15m bash scripts/bench.sh --smoke

# The release build exactly as a deployer makes it (wasm-opt included), then a browser smoke on
# it: the page hydrates, signs in through the hydrated form, and the console stays clean. Last,
# because it replaces the debug bundle in target/site.
echo "==> release build and its browser smoke"
bounded 30m cargo leptos build --release --precompress
E2E_PROFILE=release playwright playwright-release 1 tests/smoke.spec.ts
