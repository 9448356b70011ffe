#!/usr/bin/env bash
# Check vectors.json's normalisation cases against the Bittensor SDK (the
# `bittensor` wheel from PyPI, pinned), in a throwaway virtualenv. Needs python3
# with venv and access to PyPI.
#
#   bash internal/weights/testdata/run_sdk_check.sh     # from the repository root
#
# PYLON_SDK_VENV_DIR keeps the virtualenv between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${PYLON_SDK_VENV_DIR:-}" ]]; then
	venv="$PYLON_SDK_VENV_DIR"
else
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	venv="$tmp/sdk"
fi
if [[ ! -x "$venv/bin/python" ]]; then
	python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: "bittensor==11.3.0"
"$venv/bin/python" "$here/check_sdk.py" "$here/vectors.json"
