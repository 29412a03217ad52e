"""Releases: tools/release_tag.py, which the release workflow asks which tag
to make, and the repository's own workflows (CI and the release)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from support import workflows
from support.template_repo import GIT_ENV, TEMPLATE

SCRIPT = TEMPLATE / "tools/release_tag.py"
WORKFLOWS = sorted((TEMPLATE / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
UNRELEASED = "# Changelog\n\nIntro.\n\n## [0.2.0] - Unreleased\n\n### Added\n\n- x\n"
RELEASED = "# Changelog\n\nIntro.\n\n## [0.2.0] - 2026-12-07\n\n## [0.1.0] - 2026-11-01\n"


def release_tag(tmp_path: Path, changelog: str, *tags: str) -> subprocess.CompletedProcess:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(changelog)
    return subprocess.run(
        [sys.executable, SCRIPT, "--changelog", path, "--tags", *tags],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_dated_section_without_its_tag_is_the_release_to_tag(tmp_path):
    result = release_tag(tmp_path, RELEASED, "v0.1.0")
    assert (result.returncode, result.stdout, result.stderr) == (0, "v0.2.0\n", "")
    # The first release: no tag yet.
    first = release_tag(tmp_path, "# Changelog\n\n## [0.1.0] - 2026-12-07\n\nThe first.\n")
    assert (first.returncode, first.stdout, first.stderr) == (0, "v0.1.0\n", "")


@pytest.mark.parametrize(
    "changelog, tags",
    [
        (UNRELEASED, ["v0.1.0"]),  # changes gather; nothing to release yet
        (RELEASED, ["v0.1.0", "v0.2.0"]),  # released: every later push to main
    ],
)
def test_nothing_to_tag_prints_nothing(tmp_path, changelog, tags):
    result = release_tag(tmp_path, changelog, *tags)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "heading, why",
    [
        ("## [0.2.0]", "is not `[X.Y.Z] - YYYY-MM-DD`"),
        ("## 0.2.0 - 2026-12-07", "is not `[X.Y.Z] - YYYY-MM-DD`"),
        ("## [0.2.0] - 7 December 2026", "is not `[X.Y.Z] - YYYY-MM-DD`"),
        ("## [0.2.0] - 20261207", "not YYYY-MM-DD"),
        ("## [0.2.0] - 2026-02-30", "not YYYY-MM-DD"),
        ("## [0.2.0-beta] - 2026-12-07", "not a canonical PEP 440 version"),
        ("## [v0.2.0] - 2026-12-07", "not a canonical PEP 440 version"),
        ("## [0.02.0] - 2026-12-07", "not a canonical PEP 440 version"),
        ("## [0.2.0-beta] - Unreleased", "not a canonical PEP 440 version"),
        ("## [0.1.0] - 2026-12-07", "not greater than the newest release, v0.1.1"),
        ("## [0.1.1rc1] - 2026-12-07", "not greater than the newest release, v0.1.1"),
    ],
)
def test_a_malformed_or_backward_release_is_refused(tmp_path, heading, why):
    changelog = f"# Changelog\n\n{heading}\n\n- x\n\n## [0.1.1] - 2026-11-01\n"
    result = release_tag(tmp_path, changelog, "v0.1.0", "v0.1.1")
    assert result.returncode == 1
    assert result.stdout == ""
    assert why in result.stderr


def test_a_changelog_without_sections_is_refused(tmp_path):
    result = release_tag(tmp_path, "# Changelog\n\nNothing yet.\n")
    assert result.returncode == 1
    assert "no `## [X.Y.Z] - YYYY-MM-DD` section" in result.stderr


def test_the_newest_tag_is_the_newest_by_pep_440_not_by_name(tmp_path):
    # By name v0.9.0 sorts after v0.10.0; by version it is older.
    changelog = "# Changelog\n\n## [0.10.1] - 2026-12-07\n"
    assert release_tag(tmp_path, changelog, "v0.9.0", "v0.10.0").stdout == "v0.10.1\n"
    refused = release_tag(tmp_path, "# Changelog\n\n## [0.9.1] - 2026-12-07\n", "v0.9.0", "v0.10.0")
    assert "not greater than the newest release, v0.10.0" in refused.stderr
    # Tags that are not releases do not count.
    assert release_tag(tmp_path, changelog, "v0.11.0-wip", "latest").stdout == "v0.10.1\n"


def test_versions_are_ordered_as_pep_440_orders_them():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import release_tag as script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    versions = [
        "0.1.0.dev1",
        "0.1.0a1.dev1",
        "0.1.0a1",
        "0.1.0a2",
        "0.1.0b1",
        "0.1.0rc1",
        "0.1.0rc1.post1",
        "0.1",
        "0.1.0.post1.dev1",
        "0.1.0.post1",
        "0.1.1",
        "0.2.0",
        "0.10.0",
        "1.0.0",
        "1.0.0.1",
    ]
    for left in versions:
        for right in versions:
            expected = (Version(left) > Version(right), Version(left) == Version(right))
            got = (
                (script.version_key(left) > script.version_key(right)),
                (script.version_key(left) == script.version_key(right)),
            )
            assert got == expected, (left, right)


def test_without_tags_given_it_reads_the_repositorys_own(tmp_path):
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "CHANGELOG.md").write_text(RELEASED)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}

    def git(*args):
        subprocess.run(["git", *args], cwd=repository, env=env, check=True, capture_output=True)

    git("init", "--quiet")
    git("add", "CHANGELOG.md")
    git("commit", "--quiet", "--no-gpg-sign", "-m", "Release 0.2.0")
    git("tag", "v0.1.0")
    run = [sys.executable, SCRIPT, "--changelog", repository / "CHANGELOG.md"]
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == "v0.2.0\n"
    git("tag", "v0.2.0")
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == ""


def test_this_repositorys_changelog_is_readable_by_the_release_workflow():
    result = subprocess.run(
        [sys.executable, SCRIPT], cwd=TEMPLATE, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_both_workflows_exist():
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "release.yml"]


def test_the_workflows_match_the_github_schema():
    result = workflows.schema_check(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_workflows():
    # Every severity: the repository's own workflows hold its write token.
    findings, result = workflows.zizmor(WORKFLOWS, min_severity="informational")
    assert findings == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_the_workflows_are_yamllint_clean():
    result = subprocess.run(
        [BIN / "yamllint", "--strict", "-c", TEMPLATE / ".yamllint.yml", *WORKFLOWS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def load(name: str) -> dict:
    # YAML 1.1, which PyYAML reads, takes the key `on` for true.
    return yaml.safe_load((TEMPLATE / ".github/workflows" / name).read_text())


def test_only_the_tagging_job_may_write():
    for name in ("ci.yml", "release.yml"):
        workflow = load(name)
        assert workflow["permissions"] in ({"contents": "read"}, {}), name
        assert "concurrency" in workflow, name
        for job_name, job in workflow["jobs"].items():
            assert 0 < job["timeout-minutes"] <= 360, (name, job_name)
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (name, job_name)
            writes = {k for k, v in job.get("permissions", {}).items() if v == "write"}
            assert writes == ({"contents"} if (name, job_name) == ("release.yml", "tag") else set())


def test_ci_runs_tools_test_as_ci_run_does():
    workflow = load("ci.yml")
    assert set(workflow[True]) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    runs = [step["run"].strip() for step in job["steps"] if "run" in step]
    assert runs[-1] == ".ci/run"
    assert (TEMPLATE / ".ci/run").read_text().splitlines()[-1] == "tools/test"
    # The update tests start from the repository's real release tags.
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0


def test_the_release_job_runs_on_main_with_every_tag():
    workflow = load("release.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    checkout = next(
        s for s in workflow["jobs"]["tag"]["steps"] if s.get("uses", "").startswith("actions/")
    )
    assert checkout["with"]["fetch-depth"] == 0  # the existing tags, to compare with


def test_the_release_step_pushes_the_annotated_tag_once(tmp_path):
    """The workflow's own step, run by bash as GitHub runs it, against a local
    bare repository standing in for github.com."""
    (step,) = [s for s in load("release.yml")["jobs"]["tag"]["steps"] if "run" in s]
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    url = "https://x-access-token:the-token@github.com/owner/template.git"
    env = {
        **os.environ,
        **GIT_ENV,
        "GITHUB_TOKEN": "the-token",
        "GITHUB_REPOSITORY": "owner/template",
        # github.com is this bare repository, for these git commands only.
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{remote}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }

    def git(cwd: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def run_step() -> subprocess.CompletedProcess:
        sha = git(work, "rev-parse", "HEAD")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=work,
            env={**env, "GITHUB_SHA": sha},
            capture_output=True,
            text=True,
            check=False,
        )

    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    (work / "tools").mkdir(parents=True)
    shutil.copy2(SCRIPT, work / "tools")
    (work / "CHANGELOG.md").write_text(UNRELEASED.replace("0.2.0", "0.1.0"))
    git(work, "init", "--quiet")
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "--no-gpg-sign", "-m", "Work towards 0.1.0")
    unreleased = run_step()
    assert unreleased.returncode == 0, unreleased.stderr
    assert "nothing to tag" in unreleased.stdout
    assert git(remote, "tag", "--list") == ""

    (work / "CHANGELOG.md").write_text(
        UNRELEASED.replace("0.2.0] - Unreleased", "0.1.0] - 2026-12-07")
    )
    git(work, "commit", "--quiet", "--no-gpg-sign", "-am", "Release 0.1.0")
    released = run_step()
    assert released.returncode == 0, released.stderr
    assert git(remote, "tag", "--list") == "v0.1.0"
    assert git(remote, "cat-file", "-t", "v0.1.0") == "tag"  # annotated
    assert git(remote, "rev-parse", "v0.1.0^{commit}") == git(work, "rev-parse", "HEAD")
    assert "Release 0.1.0" in git(remote, "tag", "--list", "--format=%(contents)", "v0.1.0")
    assert "the-token" not in (work / ".git/config").read_text()

    # The next push to main finds its tag and makes none.
    again = run_step()
    assert again.returncode == 0, again.stderr
    assert "nothing to tag" in again.stdout
    # A malformed heading fails the job rather than tagging nothing quietly.
    (work / "CHANGELOG.md").write_text("# Changelog\n\n## [0.2.0]\n")
    broken = run_step()
    assert broken.returncode != 0
    assert "is not `[X.Y.Z] - YYYY-MM-DD`" in broken.stderr
    assert git(remote, "tag", "--list") == "v0.1.0"
