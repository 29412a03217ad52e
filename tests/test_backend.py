"""The rendered backend, run by its own tools: Django's checks and its test suite."""

from pathlib import Path

import pytest

from support.answers import ANSWER_SETS, SAME_BACKEND_AS
from support.projects import Project
from support.tree import LEFT_OUT


@pytest.fixture(scope="session", params=[n for n in ANSWER_SETS if n not in SAME_BACKEND_AS])
def project(request, render) -> Project:
    """Every answer set with a backend/ of its own (its twins' are proven the
    same by test_a_twin_answer_set_renders_the_same_backend)."""
    return render(request.param)


def test_deployment_checks_pass_under_production_settings(project, tmp_path):
    env = project.production_env(tmp_path / "secrets", "postgres://app@db.internal:5432/app")
    result = project.run(
        "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_migrations_match_the_models(project):
    result = project.run("python", "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes(project, tmp_path):
    """The code and the tests type-check, by the render's own configuration."""
    result = project.run("mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert result.stdout.startswith("Success: no issues found"), result.stdout


def test_the_projects_own_suite_passes_out_of_the_box(project):
    result = project.run("pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


def _files(backend: Path) -> dict[str, tuple[bool, bytes]]:
    """Each file of a render's backend/ (what running it makes left out, as
    other tests run the shared renders): whether it is executable, its bytes."""
    return {
        str(path.relative_to(backend)): (bool(path.stat().st_mode & 0o111), path.read_bytes())
        for path in sorted(backend.rglob("*"))
        if path.is_file() and not LEFT_OUT.intersection(path.relative_to(backend).parts)
    }


@pytest.mark.parametrize("twin", sorted(SAME_BACKEND_AS))
def test_a_twin_answer_set_renders_the_same_backend(twin, render):
    """What lets the tests above run the twin's backend/ once, as the set it
    is named with: the same files, byte for byte, the same interpreter, and
    the same environment from production_env."""
    first, second = render(twin), render(SAME_BACKEND_AS[twin])
    for answer in ("python_version", "django_project", "use_redis"):
        assert first.answers[answer] == second.answers[answer], answer
    ours, theirs = _files(first.backend), _files(second.backend)
    differing = sorted(n for n in ours.keys() | theirs.keys() if ours.get(n) != theirs.get(n))
    assert not differing, (
        f"{twin}'s backend/ differs from {SAME_BACKEND_AS[twin]}'s in {differing}: "
        "remove it from support.answers.SAME_BACKEND_AS"
    )


@pytest.mark.parametrize("name", ["defaults", "renamed", "everything-off"])
def test_the_projects_own_suite_passes_on_real_postgres_and_redis(
    name, render, postgres, redis_url
):
    project = render(name)
    url = postgres.create_database(f"suite_{name}")
    env = {"DATABASE_URL": url}
    if project.answers["use_redis"]:
        env["REDIS_URL"] = redis_url
    result = project.run("pytest", "-q", "-p", "no:cacheprovider", env=env)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    # Tests that need PostgreSQL skip on SQLite; here every one of them runs.
    assert " skipped" not in result.stdout, result.stdout[-3000:]
