"""copier.yml as a questionnaire: validators, impossible combinations, no --trust."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).with_name("copier"))


def copier_copy(destination: Path, *data: str, offline: bool = False):
    command = [COPIER, "copy", "--defaults", "--vcs-ref", "HEAD", "--quiet"]
    for item in data:
        command += ["--data", item]
    command += [str(TEMPLATE), str(destination)]
    if offline:
        # A network namespace of its own, with no interface but loopback.
        command = ["unshare", "--net", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def written_files(destination: Path) -> list[Path]:
    return [p for p in destination.rglob("*") if p.is_file()] if destination.exists() else []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("project_name=   ", "project_name: must not be empty"),
        ("project_slug=Customer_Management", 'project_slug: "Customer_Management" must match'),
        ("project_slug=9lives", 'project_slug: "9lives" must match ^[a-z][a-z0-9-]*$'),
        ("project_slug=trailing-", "and not end with a dash"),
        ("django_project=customer-management", "must be a lowercase Python identifier"),
        ("django_project=class", 'django_project: "class" is a Python keyword'),
        ("django_project=customers", "is already used by the project or a dependency"),
        ("django_project=Customer", "must be a lowercase Python identifier"),
        ("domain_name=https://example.com", 'domain_name: "https://example.com" must be'),
        ("domain_name=localhost", "must be a lowercase fully qualified host name"),
        ("python_version=3.11", "python_version"),
        ("postgres_version=14", "postgres_version"),
        ("use_rate_limiting=true", "use_rate_limiting: needs use_redis"),
    ],
)
def test_a_wrong_answer_stops_the_render_naming_the_question_and_rule(tmp_path, answer, message):
    destination = tmp_path / "project"
    data = [answer]
    if answer.startswith("use_rate_limiting"):
        data.append("use_redis=false")
    result = copier_copy(destination, *data)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert written_files(destination) == []


def test_a_plain_render_needs_neither_network_nor_trust(tmp_path):
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to render without a network")
    destination = tmp_path / "project"
    result = copier_copy(destination, offline=True)
    assert result.returncode == 0, result.stderr
    assert (destination / "backend" / "manage.py").is_file()


def test_the_answers_are_recorded_for_later_updates(render):
    answers = yaml.safe_load((render("defaults").path / ".copier-answers.yml").read_text())
    assert answers["_src_path"]
    assert answers["_commit"]
    assert answers["project_slug"] == "customer-management"
    assert answers["django_project"] == "customer_management"
    assert answers["use_redis"] is True
    assert answers["use_rate_limiting"] is True
    assert answers["use_sentry"] is False


def test_rate_limiting_is_not_offered_without_redis(render):
    project = render("no-redis")
    assert "use_rate_limiting" not in project.answers  # never asked
    assert "ratelimit" not in (project.backend / "requirements.txt").read_text()


def test_the_slug_is_derived_from_the_name(tmp_path):
    destination = tmp_path / "project"
    result = copier_copy(destination, "project_name=Acme Client Registry")
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["project_slug"] == "acme-client-registry"
