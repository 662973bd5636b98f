#!/usr/bin/env bash
# Fails when the generated files (CRDs, RBAC, deepcopy) do not match the API
# types: regenerates them in a scratch copy of the tree and compares.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

tar -C "$root" --exclude=./.git --exclude=./bin --exclude=./demo-out --exclude=./dist -cf - . | tar -C "$scratch" -xf -
make -C "$scratch" --no-print-directory -s manifests generate >/dev/null

stale=0
for path in api config/crd/bases config/rbac; do
  if ! diff -r -u "$root/$path" "$scratch/$path" >&2; then stale=1; fi
done
if [[ $stale -ne 0 ]]; then
  echo "generated files are stale: run 'make manifests generate' and commit the result" >&2
  exit 1
fi
echo "generated files are up to date" >&2
