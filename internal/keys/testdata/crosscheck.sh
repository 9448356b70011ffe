#!/usr/bin/env bash
# Checks Go-made signatures and keyfiles with bittensor-wallet (not run by CI).
# Run from anywhere; needs python3 and PyPI. Output is recorded in README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${TMPDIR:-/tmp}/pylon-keys-fixtures/btwallet"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q 'bittensor-wallet==4.1.1'; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && go run ./internal/keys/testdata/crosscheck "$work/out.json" "$work/keyfiles")
"$venv/bin/python" "$here/gen_fixtures.py" verify-go "$work/out.json"
