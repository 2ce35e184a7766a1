#!/usr/bin/env bash
# Starts one throwaway instance of the built app for the Playwright suite: a fresh SQLite
# database under target/e2e/<name>, the test profile, and any extra KEY=VALUE settings.
# Usage: scripts/e2e-server.sh PORT NAME [KEY=VALUE ...]
# E2E_PROFILE=release serves the release build instead of the debug one.
set -euo pipefail
port=$1
name=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/target/e2e/$name"
rm -rf "$data"
mkdir -p "$data"
cd "$root"
source scripts/env.sh
database_url="sqlite://$data/app.db"
if [ -n "${E2E_POSTGRES_URL:-}" ]; then
  # A fresh database of this instance's own on the PostgreSQL server under test.
  database="e2e_${name//-/_}"
  psql -q "$E2E_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
  database_url="${E2E_POSTGRES_URL%/*}/$database"
fi
redis_settings=()
if [ -n "${E2E_REDIS_URL:-}" ]; then
  redis_settings=(REDIS_URL="$E2E_REDIS_URL" REDIS_KEY_PREFIX="e2e-$name-$$")
fi
exec env \
  "${redis_settings[@]}" \
  APP_ENV=test \
  JWT_SECRET="end-to-end-test-secret-not-for-production-use" \
  DATABASE_URL="$database_url" \
  MAIL_OUTBOX="$data/outbox" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="target/site" \
  LEPTOS_SITE_PKG_DIR="pkg" \
  LEPTOS_OUTPUT_NAME="$LEPTOS_OUTPUT_NAME" \
  RUST_LOG="${RUST_LOG:-warn}" \
  "$@" \
  "$root/target/${E2E_PROFILE:-debug}/server" serve
