"""GitHub workflows checked by the tools GitHub and its users check them with:
the schema GitHub reads them by (check-jsonschema's vendored copy) and zizmor's
audits. Used for the renders' workflows and for this repository's own."""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def schema_check(files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
    )


def zizmor(
    files: list[Path], min_severity: str = "medium"
) -> tuple[list[dict], subprocess.CompletedProcess[str]]:
    """zizmor's findings at min_severity or above, offline (no GitHub API)."""
    result = subprocess.run(
        [
            BIN / "zizmor",
            "--offline",
            "--min-severity",
            min_severity,
            "--format",
            "json",
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(result.stdout or "[]"), result
