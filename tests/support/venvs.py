"""Virtual environments for rendered projects, shared between renders.

A venv holds what `uv sync --locked` installs from the backend's uv.lock
with the extras the project uses (its Dockerfile's), plus the dev group; it
is keyed by the interpreter version, the extras and the exact lock, so
renders with the same dependencies reuse one, and a re-run of the suite
reuses them all. They live in the template checkout's .cache/ (git-ignored).
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .interpreters import find_python

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "venvs"
UV = str(Path(sys.executable).with_name("uv"))


def extras(backend: Path) -> list[str]:
    """The extras the project's image installs (its Dockerfile's uv sync)."""
    dockerfile = (backend / "Dockerfile").read_text()
    (line,) = re.findall(r"^RUN uv sync --locked --no-dev.*$", dockerfile, re.MULTILINE)
    return re.findall(r"--extra (\S+)", line)


def project_venv(backend: Path, python_version: str) -> Path:
    """A venv with the backend's locked dependencies and its dev group."""
    wanted = extras(backend)
    lock = (backend / "uv.lock").read_bytes()
    key = hashlib.sha256("\0".join([python_version, *wanted]).encode() + b"\0" + lock).hexdigest()[
        :16
    ]
    venv = CACHE / f"py{python_version}-{key}"
    ready = venv / ".ready"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{venv.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(venv, ignore_errors=True)
            env = {
                **{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
                "UV_PROJECT_ENVIRONMENT": str(venv),
                "UV_PYTHON_DOWNLOADS": "never",
            }
            subprocess.run(
                [
                    *(UV, "sync", "--quiet", "--locked"),
                    *("--python", find_python(python_version)),
                    *(arg for extra in wanted for arg in ("--extra", extra)),
                ],
                cwd=backend,
                check=True,
                env=env,
            )
            ready.touch()
    return venv
