# Sourced by tools/test and tools/demo: the template's own tooling in .venv,
# installed from the hash-pinned requirements-test.txt (and again when it
# changes), and checkov in .venv/checkov from requirements-checkov.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements-test.sha256
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-test.txt
  echo "$want" > "$stamp"
fi
checkov_stamp=.venv/checkov/.requirements-checkov.sha256
want=$(sha256sum requirements-checkov.txt | cut -d' ' -f1)
if [ "$(cat "$checkov_stamp" 2>/dev/null || true)" != "$want" ]; then
  if [ ! -x .venv/checkov/bin/python ]; then
    python3 -m venv .venv/checkov
  fi
  .venv/checkov/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-checkov.txt
  echo "$want" > "$checkov_stamp"
fi
