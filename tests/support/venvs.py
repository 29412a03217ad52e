"""Virtual environments for rendered projects, shared between renders.

A venv is keyed by the interpreter version and the exact lock file, so
renders with the same dependencies reuse one, and a re-run of the suite
reuses them all. They live in the template checkout's .cache/ (git-ignored).
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .interpreters import find_python

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "venvs"
UV = str(Path(sys.executable).with_name("uv"))


def project_venv(backend: Path, python_version: str) -> Path:
    """A venv with the backend's requirements-dev.txt installed (hash-checked)."""
    lock = (backend / "requirements-dev.txt").read_bytes()
    key = hashlib.sha256(python_version.encode() + b"\0" + lock).hexdigest()[:16]
    venv = CACHE / f"py{python_version}-{key}"
    ready = venv / ".ready"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{venv.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(venv, ignore_errors=True)
            env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
            subprocess.run(
                [UV, "venv", "--quiet", "--python", find_python(python_version), str(venv)],
                check=True,
                env=env,
            )
            subprocess.run(
                [
                    UV,
                    "pip",
                    "install",
                    "--quiet",
                    "--require-hashes",
                    "--python",
                    str(venv / "bin" / "python"),
                    "-r",
                    str(backend / "requirements-dev.txt"),
                ],
                check=True,
                env=env,
            )
            ready.touch()
    return venv
