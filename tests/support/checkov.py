"""checkov's checks over a render, offline: Dockerfiles and GitHub Actions
(and, from tests/support/kubernetes.py, the built Kubernetes manifests).

checkov lives in a venv of its own, .venv-checkov/ (tools/test makes it from
requirements-checkov.txt): its pins would hold the other tools back. Each
render is scanned once; the tests of both frameworks read the same report.
"""

import functools
import json
import os
import re
import subprocess
from pathlib import Path

from .template_repo import TEMPLATE

CHECKOV = TEMPLATE / ".venv-checkov" / "bin" / "checkov"
# checkov's inline suppression: "# checkov:skip=CKV_ID: the reason".
SKIP = re.compile(r"checkov:skip=(?P<check>[A-Z0-9_]+)(?P<rest>[^\n]*)")
NO_REASON = "No comment provided"  # what checkov reports for a skip without one


def run(directory: Path, frameworks: str) -> dict[str, dict]:
    """{framework: report} for checkov's FRAMEWORKS (comma-separated) over DIRECTORY."""
    assert CHECKOV.exists(), f"no {CHECKOV}: tools/test installs it (requirements-checkov.txt)"
    result = subprocess.run(
        [
            *(CHECKOV, "--framework", frameworks, "--directory", directory),
            *("--compact", "--output", "json", "--skip-download"),
        ],
        # No platform account: checks come from the installed package, the
        # guideline mapping (a download) is skipped.
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.stdout.startswith(("{", "[")), result.stdout[-3000:] + result.stderr[-3000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return {report["check_type"]: report for report in reports}


@functools.cache
def scan(render: Path) -> dict[str, dict]:
    """{framework: report} for dockerfile and github_actions, once per render."""
    return run(render, "dockerfile,github_actions")


def problems(report: dict) -> list[str]:
    """Failed checks, files checkov could not parse, and skips with no reason."""
    results = report["results"]
    found = [
        f"{check['file_path']}: {check['check_id']} {check['check_name']}"
        for check in results["failed_checks"]
    ]
    found += [f"could not parse {path}" for path in results.get("parsing_errors", [])]
    found += [
        f"{check['file_path']}: {check['check_id']} skipped without a reason"
        for check in results["skipped_checks"]
        if check["check_result"].get("suppress_comment", NO_REASON).strip() in ("", NO_REASON)
    ]
    return found


def inline_skips(root: Path) -> list[tuple[str, str, str]]:
    """(file, check, reason) for every checkov:skip comment in the render."""
    skips = []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix not in (".json", ".txt") and path.stat().st_size < 10**6:
            text = path.read_text(errors="replace")
            for match in SKIP.finditer(text):
                reason = match["rest"].removeprefix(":").strip()
                skips.append((str(path.relative_to(root)), match["check"], reason))
    return skips
