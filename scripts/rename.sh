#!/usr/bin/env bash
# Renames a fork: the product's name as people read it and its machine name (the browser
# bundle's file names, the access token's issuer and audience), everywhere they are written:
# app/src/product.rs, the workspace manifest, scripts, styles and docs.
# Usage: scripts/rename.sh "Acme Portal" acme-portal
# Run it once, right after forking; access tokens issued under the old name stop verifying.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ $# -ne 2 ]; then
  echo "usage: scripts/rename.sh \"Product Name\" product-slug" >&2
  exit 2
fi
new_name=$1
new_slug=$2
if ! [[ $new_slug =~ ^[a-z][a-z0-9-]*[a-z0-9]$ ]]; then
  echo "error: the slug must be lower-case letters, digits and dashes, e.g. acme-portal" >&2
  exit 2
fi
if [ -z "$new_name" ] || [[ $new_name == *[\"\\\`\$]* ]]; then
  echo "error: the name must be non-empty, without quotes, backslashes, backticks or \$" >&2
  exit 2
fi

product=app/src/product.rs
old_name=$(sed -n 's/^pub const NAME: &str = "\(.*\)";$/\1/p' "$product")
old_slug=$(sed -n 's/^pub const SLUG: &str = "\(.*\)";$/\1/p' "$product")
if [ -z "$old_name" ] || [ -z "$old_slug" ]; then
  echo "error: could not read the current name from $product" >&2
  exit 1
fi

# Every text file of the project (build output, dependencies and data left out).
files=$(grep -rlF --binary-files=without-match \
  --exclude-dir=target --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=data \
  -e "$old_name" -e "$old_slug" . || true)
for file in $files; do
  OLD_NAME=$old_name NEW_NAME=$new_name OLD_SLUG=$old_slug NEW_SLUG=$new_slug \
    perl -pi -e 's/\Q$ENV{OLD_NAME}\E/$ENV{NEW_NAME}/g; s/\Q$ENV{OLD_SLUG}\E/$ENV{NEW_SLUG}/g' "$file"
  echo "renamed in $file"
done
echo "now: \"$new_name\" ($new_slug)"
