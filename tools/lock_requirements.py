"""Regenerate the backend's hash-pinned requirement locks in the template.

The rendered project installs its Python dependencies from
``backend/requirements.txt`` (production) and ``backend/requirements-dev.txt``
(tests and lint), both fully pinned with hashes. Which packages a project needs
depends on its feature switches, so the template holds one lock for the union
of all features, with each package wrapped in the condition of the features
that pull it in.

Run after changing a version in DIRECT below (needs PyPI):

    .venv/bin/python tools/lock_requirements.py
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "template" / "backend"
PYTHON_FLOOR = "3.12"

# Direct dependencies by the answer that enables them ("" = always).
DIRECT: dict[str, list[str]] = {
    "": [
        "django==6.1.3",
        "djangorestframework==3.18.3",
        "django-filter==26.2",
        "dj-database-url==3.1.2",
        "psycopg[binary,pool]==3.3.9",
        "gunicorn==27.0.1",
        "python-json-logger==4.2.0",
        "whitenoise==6.12.0",
        # Identity and access: password hashing, API tokens, log-in lock-out,
        # the audit trail and the admin's second factor.
        "argon2-cffi==25.1.0",
        "django-rest-knox==5.1.0",
        "django-axes==8.3.1",
        "django-auditlog==3.4.1",
        "django-otp==1.7.5",
        # The API's OpenAPI schema, and its docs page's assets served offline.
        "drf-spectacular==0.30.0",
        "drf-spectacular-sidecar==2026.10.1",
    ],
    "use_redis": ["django-redis==7.0.0", "redis==8.1.0"],
    "use_monitoring": ["django-prometheus==2.4.0"],
    "use_sentry": ["sentry-sdk==2.75.0"],
}
DEV = [
    "pytest==9.0.3",
    "pytest-django==4.14.0",
    "ruff==0.17.6",
    "selenium==4.51.0",
    "pyyaml==6.0.4",
    # CI: migrations that would break the release still running beside them.
    "django-migration-linter==6.0.0",
    # Type checking: mypy with the Django and DRF stubs (and their plugins).
    "mypy==2.4.1",
    "django-stubs==6.1.2",
    "djangorestframework-stubs==3.18.1",
]

LOCK_HEADER = """\
# Every package pinned with its hashes: pip installs exactly what was tested.
# Do not edit by hand. Change {source}, then regenerate:
#   uv pip compile --universal --python-version {floor} --generate-hashes \\
#       {source} -o {target}
"""
IN_HEADER = """\
# Direct dependencies{what}. {target} pins these and everything
# they pull in; regenerate it after a change here (see its header).
"""


def compile_lock(requirements: list[str], constraints: Path | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "requirements.in"
        source.write_text("\n".join(requirements) + "\n")
        command = [
            str(ROOT / ".venv" / "bin" / "uv"),
            "pip",
            "compile",
            "--quiet",
            "--universal",
            "--no-python-downloads",
            "--python-version",
            PYTHON_FLOOR,
            "--no-header",
            "--no-annotate",
            "--generate-hashes",
            str(source),
        ]
        if constraints:
            command += ["--constraint", str(constraints)]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def entries(lock: str) -> dict[str, str]:
    """Map each package name to its full entry (pin line plus hash lines)."""
    result: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", lock.strip()):
        name = re.match(r"[A-Za-z0-9_.-]+", block).group(0).lower()
        result[name] = block.rstrip(" \\\n")
    return result


def condition(features: set[str]) -> str:
    return " or ".join(sorted(features))


def conditional(blocks: dict[str, list[str]], header: str) -> str:
    out = [header]
    for cond in sorted(blocks, key=lambda c: (c != "", c)):
        if cond:
            out.append(f"[% if {cond} %]\n")
        out.extend(entry + "\n" for entry in blocks[cond])
        if cond:
            out.append("[% endif %]\n")
    return "".join(out)


def lock_header(source: str, target: str) -> str:
    return LOCK_HEADER.format(source=source, target=target, floor=PYTHON_FLOOR)


def main() -> None:
    everything = [req for reqs in DIRECT.values() for req in reqs]
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.txt"
        full.write_text(compile_lock(everything))
        all_entries = entries(full.read_text())
        base = set(entries(compile_lock(DIRECT[""], full)))
        needed_by: dict[str, set[str]] = {name: set() for name in all_entries}
        for feature, reqs in DIRECT.items():
            if not feature:
                continue
            with_feature = set(entries(compile_lock(DIRECT[""] + reqs, full)))
            for name in with_feature - base:
                needed_by[name].add(feature)
        for name in base:
            needed_by[name] = set()
        pins: dict[str, list[str]] = {}
        for name, entry in sorted(all_entries.items()):
            pins.setdefault(condition(needed_by[name]), []).append(entry)
        (BACKEND / "requirements.txt.jinja").write_text(
            conditional(pins, lock_header("requirements.in", "requirements.txt"))
        )
        (BACKEND / "requirements.in.jinja").write_text(
            conditional(
                {feature: reqs for feature, reqs in DIRECT.items()},
                IN_HEADER.format(what=" of the service", target="requirements.txt"),
            )
        )

        # The dev tools' own dependencies are needed whatever the features.
        # Every entry comes from one lock of everything, so a package both
        # sides need carries the markers of both (cffi: argon2-cffi needs it
        # everywhere, the dev tools on Windows only).
        dev_names = set(entries(compile_lock(DEV, full)))
        dev_pins: dict[str, list[str]] = {}
        for name, entry in sorted(entries(compile_lock(everything + DEV, full)).items()):
            cond = "" if name in dev_names else condition(needed_by[name])
            dev_pins.setdefault(cond, []).append(entry)
        (BACKEND / "requirements-dev.txt.jinja").write_text(
            conditional(dev_pins, lock_header("requirements-dev.in", "requirements-dev.txt"))
        )
        (BACKEND / "requirements-dev.in").write_text(
            IN_HEADER.format(what=" for tests and lint", target="requirements-dev.txt")
            + "-r requirements.in\n"
            + "".join(req + "\n" for req in DEV)
        )


if __name__ == "__main__":
    main()
