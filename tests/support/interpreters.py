"""Find the Python interpreter a rendered project asks for.

The template's tooling may run on an older Python than the rendered
project needs (Django 6.1 needs 3.12+), so each render's ``python_version``
is looked up: first ``pythonX.Y`` on PATH, then the interpreters pyenv keeps,
then (for a version in DEBIAN_SUITES) Debian's own build of it, taken from a
newer Debian suite than this machine runs: no other source of a new CPython
is reachable here (python.org and GitHub are not, and Debian's mirror serves
no source packages).

Debian's interpreter needs that suite's C library, so it lives in a minimal
root of the suite (debootstrap, kept in .cache/) and a copy of it is made to
run on this machine with patchelf: its ELF interpreter is the root's dynamic
loader and its RPATH the root's library directory, so it and every extension
module it loads use the root's libraries while running as an ordinary host
process (venvs, subprocesses, gunicorn, sockets to the test databases).
"""

import fcntl
import functools
import os
import shutil
import subprocess
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "interpreters"
MIRROR = "http://deb.debian.org/debian"
# Versions no pyenv build here has, and the Debian suite that carries them
# (forky: python3.14 3.14.8-1 on 2026-12-07; trixie-backports has none).
DEBIAN_SUITES = {"3.14": "forky"}


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


def debian_root(version: str) -> Path:
    """A minimal root of the Debian suite that carries python`version`, with it installed."""
    suite = DEBIAN_SUITES[version]
    root = CACHE / f"{suite}-python{version}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".ready").exists():
            shutil.rmtree(root, ignore_errors=True)
            # debootstrap 1.0.128 (bookworm) has no script named forky: sid's fits.
            subprocess.run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    f"--include=python{version},python{version}-venv",
                    suite,
                    str(root),
                    MIRROR,
                    "/usr/share/debootstrap/scripts/sid",
                ],
                check=True,
                capture_output=True,
                timeout=1800,
            )
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                subprocess.run(["find", str(root / cache), "-type", "f", "-delete"], check=True)
            host = root / "usr" / "bin" / f"python{version}-host"
            shutil.copy2(root / "usr" / "bin" / f"python{version}", host)
            subprocess.run(
                [
                    "patchelf",
                    "--set-interpreter",
                    str(root / "usr" / "lib64" / "ld-linux-x86-64.so.2"),
                    "--force-rpath",
                    "--set-rpath",
                    str(root / "usr" / "lib" / "x86_64-linux-gnu"),
                    str(host),
                ],
                check=True,
            )
            (root / ".ready").touch()
    return root


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
    if version in DEBIAN_SUITES:
        host = debian_root(version) / "usr" / "bin" / f"python{version}-host"
        if _reports(str(host), version):
            return str(host)
    raise RuntimeError(
        f"Python {version} is needed to test a project rendered with python_version={version}, "
        f"and none was found (looked for python{version} on PATH and under pyenv's versions/). "
        "Install it, e.g. `pyenv install " + version + "`."
    )
