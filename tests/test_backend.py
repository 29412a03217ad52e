"""The rendered backend, run by its own tools: Django's checks and its test suite."""

import pytest


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
