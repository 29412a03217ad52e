"""CI workflows, dependency updates and secrets: what a render publishes."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

from support import checkov, venvs
from support import workflows as workflows_check

BIN = Path(sys.executable).parent
TRIVY_ACTION_SHA = "ed142fd0673e97e23eac54620cfb913e5ce36c25"  # v0.36.0


def workflows(project) -> list[Path]:
    return sorted((project.path / ".github" / "workflows").glob("*.yml"))


def test_workflows_match_the_github_schema(project):
    files = workflows(project)
    expected = (
        ["ci.yml", "security-scan.yml"] if project.answers["use_security_scan"] else ["ci.yml"]
    )
    assert [f.name for f in files] == expected
    result = workflows_check.schema_check(files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_above(project):
    findings, result = workflows_check.zizmor(workflows(project), min_severity="medium")
    assert findings == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_checkov_passes_every_workflow(project):
    report = checkov.scan(project.path)["github_actions"]
    assert report["summary"]["passed"] > 0
    assert checkov.problems(report) == []


def test_every_checkov_skip_in_a_render_gives_its_reason(project):
    skips = checkov.inline_skips(project.path)
    assert [skip for skip in skips if len(skip[2]) < 10] == []


def test_every_action_is_pinned_by_commit(project):
    for path in workflows(project):
        text = path.read_text()
        for line in text.splitlines():
            if "uses:" in line:
                reference = line.split("uses:", 1)[1].split("#")[0].strip()
                assert len(reference.rsplit("@", 1)[1]) == 40, line


def test_the_scan_covers_images_and_configuration(project):
    if not project.answers["use_security_scan"]:
        assert not (project.path / ".github" / "dependabot.yml").exists()
        return
    workflow = yaml.safe_load((project.path / ".github/workflows/security-scan.yml").read_text())
    triggers = workflow[True]  # YAML reads the key "on" as true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert workflow["permissions"] == {}
    images = workflow["jobs"]["image"]
    assert images["permissions"] == {"contents": "read", "security-events": "write"}
    expected = ["backend", "frontend"] if project.answers["use_frontend"] else ["backend"]
    assert images["strategy"]["matrix"]["image"] == expected
    steps = images["steps"] + workflow["jobs"]["config"]["steps"]
    scans = [s for s in steps if s.get("uses", "").startswith("aquasecurity/trivy-action@")]
    assert [s["uses"] for s in scans] == [f"aquasecurity/trivy-action@{TRIVY_ACTION_SHA}"] * 2
    assert {s["with"].get("scan-type", "image") for s in scans} == {"image", "config"}
    uploads = [s for s in steps if "upload-sarif" in s.get("uses", "")]
    assert len(uploads) == 2 and all(s["if"] == "always()" for s in uploads)

    updates = yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())
    ecosystems = {u["package-ecosystem"] for u in updates["updates"]}
    assert {"uv", "docker", "docker-compose", "github-actions"} <= ecosystems
    assert ("npm" in ecosystems) == project.answers["use_frontend"]


def test_ci_runs_lint_and_tests_against_real_services(project):
    workflow = yaml.safe_load((project.path / ".github/workflows/ci.yml").read_text())
    backend = workflow["jobs"]["backend"]
    services = set(backend["services"])
    assert services == ({"database", "redis"} if project.answers["use_redis"] else {"database"})
    commands = " ".join(step.get("run", "") for step in backend["steps"])
    # The dependencies exactly as locked (uv checks every hash), with the
    # project's extras, as its image installs them.
    extras = "".join(f" --extra {extra}" for extra in venvs.extras(project.backend))
    for expected in (f"uv sync --locked{extras}\n", "ruff check", "makemigrations --check"):
        assert expected in commands
    assert "pytest" in commands
    assert ("frontend" in workflow["jobs"]) == project.answers["use_frontend"]


def test_no_credential_is_written_into_a_render(project, tmp_path):
    """detect-secrets over every file of the render finds nothing."""
    result = subprocess.run(
        [
            BIN / "detect-secrets",
            "scan",
            "--all-files",
            "--exclude-files",
            # Hashes in the locks are not credentials; build output is not the render.
            r"(package-lock\.json|uv\.lock)$"
            r"|(^|/)(staticfiles|media|logs|node_modules|dist|\.pytest_cache)/",
            ".",
        ],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["results"]
    assert findings == {}, findings
