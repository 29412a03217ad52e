"""Find the Python interpreter a rendered project asks for.

The template's tooling may run on an older Python than the rendered
project needs (Django 6.1 needs 3.12+), so each render's ``python_version``
is looked up: first ``pythonX.Y`` on PATH, then the interpreters pyenv keeps.
"""

import functools
import os
import shutil
import subprocess
from pathlib import Path


def _pyenv_roots() -> list[Path]:
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    if shutil.which("pyenv"):
        result = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            roots.append(Path(result.stdout.strip()))
    roots.append(Path.home() / ".pyenv")
    return roots


def _reports(executable: str, version: str) -> bool:
    """True if the executable runs and is the wanted major.minor version."""
    try:
        result = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PYENV_VERSION": "system"},
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


@functools.cache
def find_python(version: str) -> str:
    candidates = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    for root in _pyenv_roots():
        installs = sorted(
            (root / "versions").glob(f"{version}.*/bin/python{version}"),
            key=lambda p: [int(x) for x in p.parent.parent.name.split(".") if x.isdigit()],
            reverse=True,
        )
        candidates += [str(path) for path in installs]
    for candidate in candidates:
        if _reports(candidate, version):
            return candidate
    raise RuntimeError(
        f"Python {version} is needed to test a project rendered with python_version={version}, "
        f"and none was found (looked for python{version} on PATH and under pyenv's versions/). "
        "Install it, e.g. `pyenv install " + version + "`."
    )
