#!/usr/bin/env bash
# Regenerates the keyfile fixtures of internal/keys with independent implementations.
# Needs python3 and PyPI; not run by CI (the outputs are committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venvs="${TMPDIR:-/tmp}/pylon-keys-fixtures"
mkdir -p "$venvs"

python3 -m venv "$venvs/btwallet"
"$venvs/btwallet/bin/pip" install -q 'bittensor-wallet==4.1.1'
python3 -m venv "$venvs/py7"
"$venvs/py7/bin/pip" install -q 'substrate-interface==1.7.11' 'cryptography==46.0.3'

rm -f "$here/expected.json"
"$venvs/btwallet/bin/python" "$here/gen_fixtures.py" btwallet
"$venvs/py7/bin/python" "$here/gen_fixtures.py" py7
"$venvs/btwallet/bin/pip" freeze > "$here/btwallet-freeze.txt"
"$venvs/py7/bin/pip" freeze > "$here/py7-freeze.txt"
echo "fixtures written to $here"
