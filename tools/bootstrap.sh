# shellcheck shell=bash
# Sourced by tools/test and tools/demo: the template's own tooling in .venv,
# installed from the hash-pinned requirements-test.txt (and again when it
# changes), and checkov in .venv/checkov from requirements-checkov.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# venv DIRECTORY LOCK: a venv holding the hash-pinned LOCK, installed again
# whenever the lock changes.
venv() {
  local directory=$1 lock=$2 stamp want
  if [ ! -x "$directory/bin/python" ]; then
    python3 -m venv "$directory"
  fi
  stamp=$directory/.${lock%.txt}.sha256
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    "$directory/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$lock"
    echo "$want" > "$stamp"
  fi
}

venv .venv requirements-test.txt
