#!/usr/bin/env bash
# Cross-check internal/timelock against the Rust reference (bittensor-drand,
# i.e. tle rev 5416406 on arkworks) through its PyPI wheels. Needs python3 with
# venv and access to PyPI; no drand network access (signatures are inputs).
#
#   bash internal/timelock/crosscheck/run.sh      # from the repository root
#
# PYLON_TLOCK_VENV_DIR keeps the virtualenvs between runs (default: a fresh
# temporary directory, removed on exit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"

if [[ -n "${PYLON_TLOCK_VENV_DIR:-}" ]]; then
	venvs="$PYLON_TLOCK_VENV_DIR"
	mkdir -p "$venvs"
else
	venvs="$(mktemp -d)"
	trap 'rm -rf "$venvs"' EXIT
fi

# Exact versions: 2.0.0 has encrypt_at_round, decrypt_with_signature and the
# stateful-epoch get_encrypted_commit_v2; 1.3.0 is the last release with the
# legacy-epoch get_encrypted_commit.
install() { # dir version
	if [[ ! -x "$venvs/$1/bin/python" ]]; then
		python3 -m venv "$venvs/$1"
	fi
	"$venvs/$1/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: "bittensor-drand==$2"
}
install v2 2.0.0
install v1 1.3.0

PYLON_TLOCK_REFERENCE_PYTHON="$venvs/v2/bin/python" \
PYLON_TLOCK_REFERENCE_PYTHON_LEGACY="$venvs/v1/bin/python" \
	go test -tags crosscheck -count=1 -v ./internal/timelock/crosscheck/
