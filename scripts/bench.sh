#!/usr/bin/env bash
# The benchmark harness: one command, on PostgreSQL + Redis, server pinned to CPU 0 and the load
# generator (oha) to CPU 1. Scenarios run interleaved, round after round; the report takes the
# median of the rounds. See docs/benchmarks.md for the method and the last results.
#
#   scripts/bench.sh            release build, 3 rounds of 5 s per scenario; writes
#                               target/bench/results.md (copy it into docs/benchmarks.md)
#   scripts/bench.sh --smoke    debug build, 1 round of 1 s: checks the harness works (CI); its
#                               load comes from bench-client replay, so oha is not needed
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ "$SMOKE" = 1 ]; then
  ROUNDS=1 SECONDS_EACH=1 RATE=50 PROFILE=debug STORM_SECONDS=2
else
  ROUNDS=${BENCH_ROUNDS:-3} SECONDS_EACH=${BENCH_SECONDS:-5} RATE=${BENCH_RATE:-200}
  PROFILE=release STORM_SECONDS=${BENCH_STORM_SECONDS:-8}
fi
SERVER_CPU=0
LOAD_CPU=1
STORM_CONCURRENCY=64
PORT=${BENCH_PORT:-3290}
BASE="http://127.0.0.1:$PORT"
OUT="$root/target/bench"
PASSWORD="correct horse battery staple"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The smoke drives its load with the harness's own client (`bench-client replay`, oha's flags),
# so it needs nothing beyond the test set; real runs use oha.
if [ "$SMOKE" = 1 ]; then bash scripts/setup.sh --test; else bash scripts/setup.sh --bench; fi

source scripts/env.sh
if [ "$PROFILE" = release ]; then
  say "building the app and the refresh load client (release)"
  cargo leptos build --release --precompress
  # The same RUSTFLAGS as cargo-leptos's build (always-erase-components), so the dependencies
  # they share are not rebuilt back and forth.
  cargo_like_leptos build --release --locked -p bench
else
  say "building the app and the refresh load client (debug)"
  [ -x target/debug/server ] || cargo leptos build
  cargo_like_leptos build --locked -p bench
fi

source scripts/services.sh
trap 'stop_server; stop_services' EXIT
stop_server() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; }
say "starting throwaway PostgreSQL and Redis"
start_postgres
start_redis
psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE bench"
DATABASE_URL="${TEST_POSTGRES_URL%/*}/bench"

rm -rf "$OUT" && mkdir -p "$OUT"
# prod, as deployed; it requires its https origin, which the cross-site check consults only for
# requests without Sec-Fetch-Site (the benchmark's all send it).
export APP_ENV=prod DATABASE_URL REDIS_URL="$TEST_REDIS_URL" BENCH_ROUTES=1 \
  JWT_SECRET="benchmark-secret-benchmark-secret-benchmark" PUBLIC_ORIGIN="https://bench.invalid" RUST_LOG=error \
  SMTP_URL="smtps://smtp.bench.invalid:465" \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_OUTPUT_NAME LOGIN_MAX_FAILURES_PER_IP=1000000 STEP_UP_MAX_AGE=3600 \
  PASSKEY_MAX_CEREMONIES_PER_IP=1000000
server="target/$PROFILE/server"
"$server" migrate >/dev/null
"$server" user create --email bench@example.com --password "$PASSWORD" >/dev/null
"$server" user create --email bench-admin@example.com --password "$PASSWORD" --role admin >/dev/null
# The passkey scenario's account: its own, so its passkeys change nothing for the others.
"$server" user create --email bench-passkey@example.com --password "$PASSWORD" >/dev/null
taskset -c "$SERVER_CPU" "$server" serve &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done

# sign_in [EMAIL]: signs in (the benchmark user by default) and prints the Cookie header value
# holding both tokens.
sign_in() {
  curl -s -D - -o /dev/null -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "email=${1:-bench@example.com}" --data-urlencode "password=$PASSWORD" \
    "$BASE/api/login" |
    awk 'tolower($1) == "set-cookie:" { split($2, kv, ";"); printf "%s;", kv[1] }' | sed 's/;$//'
}
COOKIES=$(sign_in)
[ -n "$COOKIES" ] || { echo "error: could not sign in" >&2; exit 1; }
# The access token's size as the browser holds it (claims, signature and all).
tr ';' '\n' <<<"$COOKIES" | awk -F= '/access_token=/ { print length($0) - length($1) - 1 }' >"$OUT/access_token_bytes"

redis_commands() { redis-cli -p "$REDIS_PORT" INFO stats | awk -F: '/^total_commands_processed/ { print $2+0 }'; }

# load NAME ARGS...: one oha run on the load CPU (in the smoke, `bench-client replay` with the
# same flags), its JSON report kept as $OUT/NAME.json.
load() {
  local name=$1
  shift
  if [ "$SMOKE" = 1 ]; then
    taskset -c "$LOAD_CPU" "target/$PROFILE/bench-client" replay "$@" >"$OUT/$name.json"
  else
    taskset -c "$LOAD_CPU" oha --no-tui --output-format json "$@" >"$OUT/$name.json"
  fi
}

# refresh_load NAME ARGS...: the same for refresh rotation, which needs a client that follows
# each answer's cookies (bench/src/main.rs); 16 logins refreshed side by side.
refresh_load() {
  local name=$1
  shift
  taskset -c "$LOAD_CPU" "target/$PROFILE/bench-client" refresh --base "$BASE" \
    --email bench@example.com --password "$PASSWORD" --chains 16 --output "$OUT/$name.json" "$@"
}

FORM_POST=(-m POST -H "Sec-Fetch-Site: same-origin" -H "Content-Type: application/x-www-form-urlencoded")
# scenario NAME: sets ARGS to the oha arguments of that scenario (URL last).
scenario() {
  case $1 in
    page-open) ARGS=("$BASE/bench/open") ;;
    page-open-signed-in) ARGS=(-H "Cookie: $COOKIES" "$BASE/bench/open") ;;
    page-token) ARGS=(-H "Cookie: $COOKIES" "$BASE/bench/token") ;;
    page-recent) ARGS=(-H "Cookie: $COOKIES" "$BASE/bench/recent") ;;
    page-store) ARGS=(-H "Cookie: $COOKIES" "$BASE/bench/store") ;;
    fn-open) ARGS=("${FORM_POST[@]}" "$BASE/api/viewer") ;;
    fn-guarded) ARGS=("${FORM_POST[@]}" -H "Cookie: $COOKIES" "$BASE/api/session") ;;
  esac
}
SCENARIOS="page-open page-open-signed-in page-token page-recent page-store fn-open fn-guarded refresh"

say "interleaved scenarios: $ROUNDS round(s), ${SECONDS_EACH}s each, throughput then fixed ${RATE}/s"
for round in $(seq 1 "$ROUNDS"); do
  for name in $SCENARIOS; do
    if [ "$name" = refresh ]; then
      refresh_load "$name.max.$round" --seconds "$SECONDS_EACH"
      before=$(redis_commands)
      refresh_load "$name.rate.$round" --seconds "$SECONDS_EACH" --rate "$RATE"
    else
      scenario "$name"
      load "$name.max.$round" -z "${SECONDS_EACH}s" -c 16 "${ARGS[@]}"
      before=$(redis_commands)
      load "$name.rate.$round" -z "${SECONDS_EACH}s" -c 16 -q "$RATE" --latency-correction "${ARGS[@]}"
    fi
    echo $(($(redis_commands) - before)) >"$OUT/$name.redis.$round"
  done
  # What the server sends Redis on its own (revocation-feed polls) over the same time.
  before=$(redis_commands)
  sleep "$SECONDS_EACH"
  echo $(($(redis_commands) - before)) >"$OUT/idle.redis.$round"
done

# storm NAME COMMAND...: runs COMMAND (the sign-ins, writing $OUT/NAME.logins.json) while the
# JWT-guarded page is loaded at the fixed rate (NAME.page.json) and the server's RSS is sampled
# every 50 ms (NAME.idle_rss_kib, NAME.peak_rss_kib).
storm() {
  local name=$1
  shift
  local idle_rss
  idle_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
  echo "$idle_rss" >"$OUT/$name.idle_rss_kib"
  echo "$idle_rss" >"$OUT/$name.peak_rss_kib"
  (
    peak=$idle_rss
    while kill -0 "$SERVER_PID" 2>/dev/null && [ ! -e "$OUT/$name.done" ]; do
      rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
      [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" >"$OUT/$name.peak_rss_kib"
      sleep 0.05
    done
  ) &
  local sampler=$!
  "$@" &
  local logins=$!
  scenario page-token
  load "$name.page" -z "${STORM_SECONDS}s" -c 16 -q "$RATE" --latency-correction "${ARGS[@]}"
  wait "$logins"
  touch "$OUT/$name.done"
  wait "$sampler" || true
}

PASSKEY_COUNT=$([ "$SMOKE" = 1 ] && echo 3 || echo 40)
say "passkey and password sign-ins, alternating, one at a time: $ROUNDS round(s) of $PASSKEY_COUNT each"
for round in $(seq 1 "$ROUNDS"); do
  taskset -c "$LOAD_CPU" "target/$PROFILE/bench-client" passkey-sign-in --base "$BASE" \
    --email bench-passkey@example.com --password "$PASSWORD" --origin "$PUBLIC_ORIGIN" \
    --count "$PASSKEY_COUNT" --output "$OUT/passkey.$round.json"
done

say "sign-in storms, $ROUNDS round(s): the guarded page at ${RATE}/s idle, then during $STORM_CONCURRENCY clients signing in (each waits its Retry-After), then during a flood of $STORM_CONCURRENCY connections retrying at once; ${STORM_SECONDS}s each"
for round in $(seq 1 "$ROUNDS"); do
  scenario page-token
  load "storm-idle.$round" -z "${STORM_SECONDS}s" -c 16 -q "$RATE" --latency-correction "${ARGS[@]}"
  storm "storm.$round" taskset -c "$LOAD_CPU" "target/$PROFILE/bench-client" sign-in-storm \
    --base "$BASE" --email bench@example.com --password "$PASSWORD" \
    --clients "$STORM_CONCURRENCY" --seconds "$STORM_SECONDS" --output "$OUT/storm.$round.logins.json"
  sleep 2 # let the hashing queue drain
  storm "flood.$round" load "flood.$round.logins" -z "${STORM_SECONDS}s" -c "$STORM_CONCURRENCY" \
    "${FORM_POST[@]}" -d "email=bench%40example.com&password=correct+horse+battery+staple" \
    "$BASE/api/login"
  sleep 2
done

say "first-load weight of every page: its HTML, and the bundle files it loads (gzip -9, and as served)"
# sizes PATH [COOKIE]: the answer's size gzipped with -9, raw, and as the server sends it to a
# browser that accepts gzip, then brotli; then 1 if it is a page with an island (it loads the
# JavaScript and WASM), else 0 (the stylesheet only).
sizes() {
  local body
  body=$(mktemp)
  curl -s -o "$body" -b "${2:-}" "$BASE$1"
  served() { curl -s -o /dev/null -b "$2" -H "Accept-Encoding: $1" -w '%{size_download}' "$BASE$3"; }
  local islands=0
  grep -q '<leptos-island' "$body" && islands=1
  echo "$(gzip -9 -c "$body" | wc -c) $(wc -c <"$body") $(served gzip "${2:-}" "$1") $(served br "${2:-}" "$1") $islands"
  rm -f "$body"
}
ADMIN_COOKIES=$(sign_in bench-admin@example.com)
# The bundle's files as every page names them (their names carry a content hash); a page without
# islands keeps the JavaScript and WASM names in an inert template and loads only the stylesheet.
bundle=$(curl -s "$BASE/login" | grep -o '/pkg/[^"]*\.\(js\|wasm\|css\)' | sort -u)
[ -n "$bundle" ] || { echo "error: no bundle linked from /login" >&2; exit 1; }
{
  for file in $bundle; do echo "bundle:${file##*.} $(sizes "$file")"; done
  for page in / /login /register; do echo "page:$page $(sizes "$page")"; done
  for page in /dashboard /account; do echo "page:$page $(sizes "$page" "$COOKIES")"; done
  echo "page:/admin $(sizes /admin "$ADMIN_COOKIES")"
} >"$OUT/weight"

# The same page opened in Chromium (end2end/perf/first-load.mjs), pinned to the load CPU: when it
# can be seen and used on a slow phone, and what a repeat visit downloads again. The debug WASM
# of --smoke is large and unoptimised, so there it runs unthrottled, once: it checks the harness.
if [ "$SMOKE" = 1 ]; then
  say "first load in Chromium, unthrottled (smoke: checks the harness, not judged)"
  BROWSER_ARGS=(--runs 1 --no-throttle)
else
  say "first load in Chromium (1.6 Mbps, 150 ms RTT, 4x CPU slowdown)"
  BROWSER_ARGS=(--runs 3)
fi
# /login has no island (no WASM); the dashboard, signed in, is the first page that loads it.
taskset -c "$LOAD_CPU" node end2end/perf/first-load.mjs --base "$BASE" --path /login \
  --path /dashboard --cookie "$COOKIES" "${BROWSER_ARGS[@]}" --output "$OUT/browser.json"

say "checking that every scenario got the answers it measures"
python3 scripts/bench_check.py "$OUT"

say "report"
python3 scripts/bench_report.py "$OUT" "$ROUNDS" "$RATE" | tee "$OUT/results.md"
