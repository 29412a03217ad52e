"""The render's pre-commit hooks pass on the render as it is: no finding, and
nothing they would rewrite. Their environments are installed once into the
checkout's .cache/pre-commit and shared by every answer set and run."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from support.projects import Project

BIN = Path(sys.executable).parent
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "pre-commit"
GIT = ["git", "-c", "user.name=Hooks Test", "-c", "user.email=hooks@example.test"]


def hooks(project) -> list[dict]:
    config = yaml.safe_load((project.path / ".pre-commit-config.yaml").read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_every_hook_passes_and_rewrites_nothing(project, tmp_path):
    checkout = tmp_path / "project"
    shutil.copytree(project.path, checkout, ignore=shutil.ignore_patterns(".git"))
    # A fresh repository, as after `git init` and the first commit.
    subprocess.run([*GIT, "init", "--quiet"], cwd=checkout, check=True)
    subprocess.run([*GIT, "add", "--all"], cwd=checkout, check=True)
    subprocess.run([*GIT, "commit", "--quiet", "-m", "Render"], cwd=checkout, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(CACHE)}
    result = subprocess.run(
        [BIN / "pre-commit", "run", "--all-files", "--show-diff-on-failure", "--color", "never"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=checkout, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    ran = {line.split(".")[0] for line in result.stdout.splitlines() if line.endswith("Passed")}
    # A hook whose files are missing from a render skips; these never do.
    assert {"ruff check", "ruff format", "yamllint", "hadolint", "detect-secrets"} <= ran


def test_hooks_use_the_versions_the_render_and_ci_pin(project):
    """ruff as backend/pyproject.toml pins it; django-upgrade targets its Django."""
    pyproject = tomllib.loads((project.path / "backend/pyproject.toml").read_text())
    pinned = dict(
        spec.split("==")
        for spec in pyproject["project"]["dependencies"] + pyproject["dependency-groups"]["dev"]
    )
    by_id = {hook["id"]: hook for hook in hooks(project)}
    assert by_id["ruff-check"]["additional_dependencies"] == [f"ruff=={pinned['ruff']}"]
    assert by_id["ruff-format"]["additional_dependencies"] == [f"ruff=={pinned['ruff']}"]
    django = re.match(r"\d+\.\d+", pinned["django"]).group()
    assert f"--target-version {django}" in by_id["django-upgrade"]["entry"]
    for hook in by_id.values():
        assert hook["language"] == "python"
        assert all("==" in d for d in hook["additional_dependencies"]), hook["id"]


def test_a_new_migration_passes_ci_lint_as_makemigrations_writes_it(render, tmp_path):
    """No formatting step between makemigrations and CI's ruff check and format --check."""
    shutil.copytree(render("defaults").path, tmp_path / "project")
    copy = Project("migration", tmp_path / "project")
    models = copy.backend / "customers" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    last_name = models.CharField(max_length=100)\n",
            "    last_name = models.CharField(max_length=100)\n"
            "    nickname = models.CharField(\n"
            '        max_length=100, blank=True, default="", help_text="What the customer likes'
            ' to be called."\n'
            "    )\n",
            1,
        )
    )
    made = copy.run("python", "manage.py", "makemigrations", "customers")
    assert made.returncode == 0, made.stdout + made.stderr
    [migration] = (copy.backend / "customers" / "migrations").glob("0*_customer_nickname.py")
    assert "'customer'" in migration.read_text()  # Django's quotes, left as written
    # The CI workflow's lint step, from backend/.
    for command in (("ruff", "check", ".."), ("ruff", "format", "--check", "..")):
        result = copy.run(*command, "--no-cache")
        assert result.returncode == 0, result.stdout + result.stderr
