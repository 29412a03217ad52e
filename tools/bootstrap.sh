# Sourced by tools/test and tools/demo: the template's own tooling in .venv,
# installed from the hash-pinned requirements-test.txt (and again when it changes).
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
