#!/usr/bin/env bash
# Sets up what is missing, builds the app and serves it on the embedded defaults
# (SQLite under data/, embedded session store) at http://127.0.0.1:3000.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
exec cargo leptos serve
