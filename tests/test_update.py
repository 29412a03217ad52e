"""Living projects: `copier update` across releases, switches, conflicts, migrations.

The template is copied into a temporary git repository with release tags,
the history a user of the template sees:

- v0.1.0a1: the layout before 0.1.0 (frontend/nginx/proxy.conf not yet in
  snippets/), rebuilt from 0.1.0's files; the 0.1.0 migration starts here.
- the checkout's own releases (`git tag --list 'v*'`), each with its files,
  when it has any; then this checkout as it is, untagged. Without any (the
  template before its first release, or a clone without tags), this
  checkout as it is becomes v0.1.0.
- NEXT, the minor release after the newest of those (v0.2.0 while 0.1.0 is
  the newest): a template release on top of this checkout (see
  release_next): a new setting and its variable in .env.example, a new
  file, a reworded README line.

So a project rendered from the newest real release is updated across this
checkout's changes, as its users will be.

Projects are rendered from those tags, committed, edited and committed as a
user would, then updated. Every copier command runs without a network.
"""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from support.answers import ANSWER_SETS, QUESTIONS
from support.interpreters import find_python
from support.projects import Project
from support.template_repo import (
    NGINX,
    TEMPLATE,
    commit_all,
    copier,
    copy_template,
    env,
    export_release,
    files,
    git,
    init_repository,
    move_proxy_snippet_back,
    release_tags,
    render,
    run_git,
    status,
    tag,
    unmerged,
    update,
    without_migrations,
)
from support.tree import tree
from support.venvs import UV

EVERYTHING_OFF = ANSWER_SETS["everything-off"]
SETTINGS = "backend/customer_management/settings/base.py"
# Conflict markers as copier writes them (and git merge-file in the migration).
MARKERS = re.compile(r"^(<<<<<<< before updating|=======|>>>>>>> after updating)$", re.M)
TEMPLATE_LINE = "and keeps your changes; `copier check-update` says when there is a new release.\n"
RELEASES = release_tags()
# The release copier.yml's only migration is gated on, and the one before it.
FIRST, BEFORE_FIRST = "v0.1.0", "v0.1.0a1"
# The newest release: the real one, or this checkout as FIRST.
LATEST = RELEASES[-1] if RELEASES else FIRST
NEXT = f"v{Version(LATEST).major}.{Version(LATEST).minor + 1}.0"


def migrations_after(release: str) -> list[str]:
    """The versions of copier.yml's migrations that an update from release crosses."""
    config = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
    versions = [str(migration["version"]) for migration in config["_migrations"]]
    return [version for version in versions if Version(version) > Version(release)]


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"the simulated release expects {old!r} once in {path}"
    path.write_text(text.replace(old, new))


def release_next(template: Path) -> None:
    """What a template release typically brings: a setting with its variable,
    a new file, a reworded line of documentation."""
    replace_once(
        template / "template/backend/[[ django_project ]]/settings/base.py.jinja",
        '        f"digits and underscores, not {DATABASE_RUNTIME_ROLE!r}"\n    )\n',
        '        f"digits and underscores, not {DATABASE_RUNTIME_ROLE!r}"\n    )\n\n'
        "# Request bodies above this many bytes are refused.\n"
        "DATA_UPLOAD_MAX_MEMORY_SIZE = "
        'env.integer("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1048576)\n',
    )
    replace_once(
        template / "template/.env.example.jinja",
        "DJANGO_LOG_LEVEL=INFO\n",
        "DJANGO_LOG_LEVEL=INFO\n# Request bodies above this many bytes are refused.\n"
        "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE=1048576\n",
    )
    replace_once(template / "template/README.md.jinja", "and keeps your changes.\n", TEMPLATE_LINE)
    (template / "template/SECURITY.md.jinja").write_text(
        "# Security\n\n"
        "Report a vulnerability in [[ project_name ]] to security@[[ domain_name ]].\n"
    )


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory) -> Path:
    assert not RELEASES or RELEASES[0] == FIRST, f"the first release is {FIRST}: {RELEASES}"
    repository = tmp_path_factory.mktemp("template") / "template"
    repository.mkdir()
    init_repository(repository)
    if RELEASES:
        export_release(repository, FIRST)
    else:
        copy_template(repository)
        git(repository, "add", "--all")
    move_proxy_snippet_back(repository)
    commit_all(repository, "The layout before 0.1.0")
    tag(repository, BEFORE_FIRST)
    for release in RELEASES:
        export_release(repository, release)
        git(repository, "commit", "--quiet", "--no-gpg-sign", "--allow-empty", "-m", release)
        tag(repository, release)
    # This checkout, exactly: FIRST itself until there is a real release, the
    # work since the newest one after (no change at all on a release's commit).
    git(repository, "rm", "-r", "--quiet", ".")
    copy_template(repository)
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--no-gpg-sign", "--allow-empty", "-m", "This checkout")
    if not RELEASES:
        tag(repository, FIRST)
    release_next(repository)
    commit_all(repository, f"Release {NEXT}")
    tag(repository, NEXT)
    return repository


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def check_update(project: Path) -> dict:
    result = copier("check-update", "--output-format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def with_markers(project: Path) -> list[str]:
    return sorted(
        name
        for name in files(project)
        if MARKERS.search((project / name).read_text(errors="replace"))
    )


def test_a_project_updates_to_a_new_release_keeping_the_users_work(template_repo, tmp_path):
    project = render(template_repo, tmp_path / "project", EVERYTHING_OFF, LATEST)
    # The user's work: a setting changed, a test and a doc added, a doc edited.
    replace_once(project / SETTINGS, 'TIME_ZONE = "UTC"', 'TIME_ZONE = "Europe/Berlin"')
    house_rules = project / "backend/tests/test_house_rules.py"
    house_rules.write_text(
        "from django.conf import settings\n\n\n"
        "def test_the_service_keeps_berlin_time():\n"
        '    assert settings.TIME_ZONE == "Europe/Berlin"\n'
    )
    runbook = project / "docs/runbook.md"
    runbook.parent.mkdir(exist_ok=True)
    runbook.write_text("# Runbook\n\nRestart the backend before paging anyone.\n")
    with (project / "backend/README.md").open("a") as readme:
        readme.write("\n## On call\n\nThe platform team answers for /health/.\n")
    commit_all(project, "Our own changes")
    # The user's files that never go in git: the deployment's settings and
    # secrets, made as .env.example said before 0.2.0 brought mail (a clone
    # without tags renders "0.1.0" from this checkout, which has it).
    before_mail = [
        line
        for line in (project / ".env.example").read_text().splitlines(keepends=True)
        if not line.startswith(("EMAIL_", "ALERT_EMAIL_TO="))
    ]
    own = {
        ".env.production": "".join(before_mail) + "IMAGE_TAG=2026.1\n",
        "secrets/django_secret_key": "k" * 64,
        "secrets/db_password": "p" * 32,
    }
    for name, text in own.items():
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text(text)
    assert status(project) == []
    before = files(project)
    recorded = answers(project)

    assert check_update(project) == {
        "update_available": True,
        "current_version": LATEST.removeprefix("v"),
        "latest_version": NEXT.removeprefix("v"),
    }
    # --trust only across a migration: none between 0.1.0 and the next release;
    # one this checkout adds after the newest real release is crossed here.
    trust = ["--trust"] if migrations_after(LATEST) else []
    result = update(project, *trust)
    assert result.returncode == 0, result.stderr
    # What to do next, a clash of migrations included.
    assert "python manage.py makemigrations --merge" in result.stdout + result.stderr
    # 0.2.0's migration names what the deployment's own files lack (they
    # were made from 0.1.0's .env.example), changing none of them.
    if "0.2.0" in migrations_after(LATEST):
        assert "! .env.production lacks EMAIL_HOST (see .env.example)" in result.stderr
        assert "! secrets/email_host_password is missing" in result.stderr
        assert "ALERT_EMAIL_TO" not in result.stderr  # no monitoring in this project

    # The template's release arrived.
    settings = (project / SETTINGS).read_text()
    assert 'DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("DJANGO_DATA_UPLOAD' in settings
    assert "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE=1048576" in (project / ".env.example").read_text()
    assert TEMPLATE_LINE in (project / "README.md").read_text()
    assert "Customer Management" in (project / "SECURITY.md").read_text()
    # The user's work survived, merged with it, and nothing they kept is gone.
    assert 'TIME_ZONE = "Europe/Berlin"' in settings
    assert "## On call" in (project / "backend/README.md").read_text()
    assert runbook.read_text().startswith("# Runbook")
    assert "Europe/Berlin" in house_rules.read_text()
    for name, text in own.items():
        assert (project / name).read_text() == text, name
    assert before <= files(project)
    assert unmerged(project) == set()
    assert with_markers(project) == []
    assert not [name for name in files(project) if name.endswith(".rej")]
    # The answers record the new release, and nothing else changed but the
    # answers to questions added since that release (their defaults).
    after = answers(project)
    assert after["_commit"] == NEXT
    added = {name: after.pop(name) for name in set(after) - set(recorded)}
    assert set(added) <= set(QUESTIONS), added
    assert {**after, "_commit": recorded["_commit"]} == recorded
    commit_all(project, f"Update from the template to {NEXT}")
    assert check_update(project)["update_available"] is False

    # The project's own suite passes with both the user's and the template's changes.
    run = Project("updated", project).run("pytest", "-q", "-rA", "-p", "no:cacheprovider")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASSED tests/test_house_rules.py::test_the_service_keeps_berlin_time" in run.stdout


def test_switching_a_feature_on_and_off_by_update(template_repo, tmp_path):
    project = render(template_repo, tmp_path / "project", EVERYTHING_OFF, NEXT)
    before = files(project)
    # Every project's pyproject.toml declares every feature's packages as an
    # extra (one uv.lock serves them all); the image installs the ones it uses.
    dockerfile = project / "backend/Dockerfile"
    assert "--extra monitoring" not in dockerfile.read_text()

    on = update(project, "--data", "use_monitoring=true")
    assert on.returncode == 0, on.stderr
    added = files(project) - before
    assert added, "use_monitoring added no file of its own"
    # Its wiring: the dependency, the app and middleware, the metrics line in the README.
    assert "--extra monitoring" in dockerfile.read_text()
    assert "django_prometheus" in (project / SETTINGS).read_text()
    assert "/metrics" in (project / "README.md").read_text()
    assert answers(project)["use_monitoring"] is True
    assert unmerged(project) == set()
    commit_all(project, "Monitoring on")

    # The user's own files: one among the feature's files, one elsewhere.
    existing = {directory for name in before for directory in Path(name).parents}
    new_directories = {d for name in added for d in Path(name).parents if d not in existing}
    home = min(
        new_directories or {Path(sorted(added)[0]).parent},
        key=lambda directory: (len(directory.parts), str(directory)),
    )
    user_files = {
        (home / "our-notes.md").as_posix(): "# Our dashboards\n",
        "docs/alerts.md": "# Who is paged for what\n",
    }
    for name, text in user_files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    commit_all(project, "Our notes")

    off = update(project, "--data", "use_monitoring=false")
    assert off.returncode == 0, off.stderr
    remaining = files(project)
    assert added & remaining == set(), "the template's files for the feature stay"
    for name, text in user_files.items():
        assert (project / name).read_text() == text, f"{name}, the user's, was removed"
    assert remaining == before | set(user_files)
    assert "--extra monitoring" not in dockerfile.read_text()
    assert "django_prometheus" not in (project / SETTINGS).read_text()
    assert answers(project)["use_monitoring"] is False
    assert unmerged(project) == set()


def test_switching_redis_off_by_update_keeps_nginx_limits_and_drops_djangos(
    template_repo, tmp_path
):
    project = render(template_repo, tmp_path / "project", {}, NEXT)
    nginx_config = project / "frontend/nginx/default.conf.template"
    django_limits = {
        "backend/customers/exceptions.py",
        "backend/customers/ratelimit.py",
        "backend/tests/test_rate_limits.py",
    }
    assert django_limits <= files(project)

    result = update(project, "--data", "use_redis=false")
    assert result.returncode == 0, result.stderr
    recorded = answers(project)
    assert recorded["use_redis"] is False
    assert recorded["use_rate_limiting"] is True
    assert recorded["nginx_api_rate"] == "10r/s"
    assert "customers_create_rate" not in recorded
    assert "django_rate_limits" not in recorded  # computed, never recorded
    assert django_limits & files(project) == set()
    assert "--extra redis" not in (project / "backend/Dockerfile").read_text()
    # No Django rate setting (CUSTOMERS_*_RATE) is left; nginx's limits stay.
    assert not re.search(r"\b\w+_RATE\b", (project / SETTINGS).read_text())
    assert "API_PROXY_RATE_LIMITS = True" in (project / SETTINGS).read_text()
    assert "limit_req zone=api" in nginx_config.read_text()
    assert unmerged(project) == set()


def test_moving_a_compose_project_to_kubernetes_by_update(template_repo, tmp_path):
    project = render(template_repo, tmp_path / "project", EVERYTHING_OFF, NEXT)
    stack = project / "docker-compose.prod.yml"
    # The user's own edit to the compose stack: bigger log files.
    replace_once(stack, 'max-size: "20m"', 'max-size: "50m"')
    commit_all(project, "Bigger logs")
    before = files(project)

    moved = update(project, "--data", "deploy_target=kubernetes")
    assert moved.returncode == 0, moved.stderr
    added = files(project) - before
    assert "deploy/kubernetes/base/kustomization.yaml" in added
    assert {"deploy/kubernetes/staging/kustomization.yaml", "docs/KUBERNETES.md"} <= added
    assert 'max-size: "50m"' in stack.read_text()
    assert answers(project)["deploy_target"] == "kubernetes"
    assert answers(project)["kubernetes_database"] == "cloudnativepg"
    assert before <= files(project)
    assert unmerged(project) == set()
    assert with_markers(project) == []


def test_a_conflicting_edit_ends_as_conflict_markers_never_overwritten(template_repo, tmp_path):
    project = render(template_repo, tmp_path / "project", EVERYTHING_OFF, LATEST)
    ours = "and keeps your changes. We take each template release within a week.\n"
    replace_once(project / "README.md", "and keeps your changes.\n", ours)
    commit_all(project, "Our update policy")
    trust = ["--trust"] if migrations_after(LATEST) else []

    # Inline (the default): both versions between markers, the file unmerged in git.
    result = update(project, *trust)
    assert result.returncode == 0, result.stderr
    readme = (project / "README.md").read_text()
    assert f"<<<<<<< before updating\n{ours}=======\n{TEMPLATE_LINE}>>>>>>> after updating\n" in (
        readme
    )
    assert unmerged(project) == {"README.md"}
    assert with_markers(project) == ["README.md"]
    # What docs/updating.md tells users to run before committing an update.
    check = run_git(project, "diff", "--check", "HEAD")
    assert check.returncode != 0
    assert "README.md" in check.stdout
    assert "leftover conflict marker" in check.stdout

    git(project, "reset", "--quiet", "--hard", "HEAD")
    git(project, "clean", "--quiet", "--force", "-d")
    assert status(project) == []

    # --conflict rej: the template's version in the file, ours beside it in a .rej.
    result = update(project, *trust, "--conflict", "rej")
    assert result.returncode == 0, result.stderr
    assert TEMPLATE_LINE in (project / "README.md").read_text()
    assert f"+{ours}" in (project / "README.md.rej").read_text()


def test_a_project_from_before_a_migration_updates_across_it(template_repo, tmp_path):
    answered = {**EVERYTHING_OFF, "use_frontend": True}
    project = render(template_repo, tmp_path / "project", answered, BEFORE_FIRST)
    old = project / "frontend/nginx/proxy.conf"
    new = project / "frontend/nginx/snippets/proxy.conf"
    assert old.is_file()
    assert not new.exists()
    # The user's edit to the file 0.1.0 moves: a longer timeout for slow exports.
    replace_once(old, "proxy_read_timeout 30s;", "proxy_read_timeout 120s;")
    commit_all(project, "Longer read timeout for exports")
    recorded = answers(project)
    template_file = git(template_repo, "show", f"v0.1.0:{NGINX.as_posix()}/snippets/proxy.conf")
    expected = template_file.replace("proxy_read_timeout 30s;", "proxy_read_timeout 120s;")
    assert expected != template_file

    # Across a migration copier asks for trust, and changes nothing without it.
    refused = update(project, "--vcs-ref", "v0.1.0")
    assert refused.returncode != 0
    assert "migrations" in refused.stderr
    assert status(project) == []

    for conflict in ("inline", "rej"):
        result = update(project, "--trust", "--vcs-ref", "v0.1.0", "--conflict", conflict)
        assert result.returncode == 0, result.stderr
        assert "your changes were carried over" in result.stderr
        assert not old.exists()
        assert new.read_text() == expected, conflict
        assert "COPY nginx/proxy.conf" not in (project / "frontend/Dockerfile").read_text()
        assert not [name for name in files(project) if name.endswith(".rej")], conflict
        assert with_markers(project) == []
        assert unmerged(project) == set()
        # The answers record the release migrated to and keep every answer.
        assert answers(project)["_commit"] == "v0.1.0"
        assert {**answers(project), "_commit": recorded["_commit"]} == recorded
        git(project, "reset", "--quiet", "--hard", "HEAD")
        git(project, "clean", "--quiet", "--force", "-d")

    # The same update from a template without the migration entry loses the
    # edit without a word: the migration is what carries it.
    control = tmp_path / "control"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(control))
    git(control, "checkout", "--quiet", "v0.1.0")
    copier_yml = control / "copier.yml"
    copier_yml.write_text(without_migrations(copier_yml.read_text()))
    commit_all(control, "0.1.0 without its migration")
    git(control, "tag", "--force", "v0.1.0")
    replace_once(project / ".copier-answers.yml", str(template_repo), str(control))
    commit_all(project, "Use the control template")
    result = update(project, "--trust", "--vcs-ref", "v0.1.0")
    assert result.returncode == 0, result.stderr
    assert not old.exists()
    assert new.read_text() == template_file
    assert not [name for name in files(project) if name.endswith(".rej")]


def run_migration(project: Path, template: Path, version_from: str):
    script = TEMPLATE / "migrations/0.1.0-nginx-proxy-snippet.py"
    return subprocess.run(
        [sys.executable, str(script), str(template), version_from],
        cwd=project,
        env=env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_migration_marks_a_conflict_and_leaves_an_unedited_file_alone(template_repo, tmp_path):
    # A project at 0.1.0a1 whose user changed the read timeout, left as
    # copier leaves it before the migration: the old file deleted, the new
    # one the template's, which changed the same line.
    template_old = git(template_repo, "show", f"v0.1.0a1:{NGINX.as_posix()}/proxy.conf")
    project = tmp_path / "project"
    old = project / "frontend/nginx/proxy.conf"
    new = project / "frontend/nginx/snippets/proxy.conf"
    old.parent.mkdir(parents=True)
    old.write_text(template_old.replace("proxy_read_timeout 30s;", "proxy_read_timeout 120s;"))
    init_repository(project)
    commit_all(project, "Longer read timeout")
    old.unlink()
    new.parent.mkdir()
    new.write_text(template_old.replace("proxy_read_timeout 30s;", "proxy_read_timeout 45s;"))

    result = run_migration(project, template_repo, "v0.1.0a1")
    assert result.returncode == 0, result.stderr
    assert "conflict markers to resolve" in result.stderr
    assert (
        "<<<<<<< before updating\nproxy_read_timeout 120s;\n=======\n"
        "proxy_read_timeout 45s;\n>>>>>>> after updating\n"
    ) in new.read_text()

    # A project that never edited the file keeps the template's new one as it is.
    old.write_text(template_old)
    commit_all(project, "Back to the template's file")
    old.unlink()
    new.write_text(template_old)
    result = run_migration(project, template_repo, "v0.1.0a1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert new.read_text() == template_old


def test_the_migration_scripts_need_only_the_standard_library():
    for script in sorted((TEMPLATE / "migrations").glob("*.py")):
        imports = set(re.findall(r"^(?:from|import) (\w+)", script.read_text(), re.M))
        assert imports <= set(sys.stdlib_module_names), f"{script.name}: {imports}"


def test_every_question_is_documented():
    config = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
    questions = [
        name
        for name, spec in config.items()
        if not name.startswith("_") and not (isinstance(spec, dict) and spec.get("when") is False)
    ]
    documented = (TEMPLATE / "docs/questions.md").read_text()
    assert [name for name in questions if f"`{name}`" not in documented] == []


def test_the_rendered_tree_in_the_docs_is_the_defaults_render(render):
    document = (TEMPLATE / "docs/rendered-tree.md").read_text()
    shown = re.search(r"^```text\n(\..*?)^```$", document, re.M | re.S)
    assert shown, "docs/rendered-tree.md has no ```text block with the tree"
    actual = tree(render("defaults").path)
    assert shown.group(1) == actual, (
        "docs/rendered-tree.md is out of date; regenerate its tree with\n"
        "  tools/demo /tmp/demo && .venv/bin/python tests/support/tree.py /tmp/demo\n"
        "and describe what was added or removed."
    )


def test_a_project_on_requirements_files_keeps_its_own_packages_on_uv(tmp_path):
    """0.1.0 moved the backend's dependencies to pyproject.toml and uv.lock;
    migrations/0.1.0-requirements-to-uv.py carries what a project added."""
    # The template as it was last with requirements files, then as it is.
    deleted = git(
        TEMPLATE,
        "log",
        "-1",
        "--format=%H",
        "--diff-filter=D",
        "--",
        "template/backend/requirements.in.jinja",
    ).strip()
    repository = tmp_path / "template"
    repository.mkdir()
    init_repository(repository)
    export_release(repository, f"{deleted}^")
    commit_all(repository, "Requirements files")
    tag(repository, BEFORE_FIRST)
    git(repository, "rm", "-r", "--quiet", ".")
    copy_template(repository)
    commit_all(repository, "uv")
    tag(repository, FIRST)
    project = render(repository, tmp_path / "project", EVERYTHING_OFF, BEFORE_FIRST)
    backend = project / "backend"
    # The project's own packages, pinned as its requirements files pin them.
    with (backend / "requirements.in").open("a") as requirements:
        requirements.write("humanize==4.17.0\n")
    with (backend / "requirements-dev.in").open("a") as requirements:
        requirements.write("freezegun==1.5.5  # frozen clocks in our tests\n")
    commit_all(project, "Our packages")

    result = update(project, "--trust", "--vcs-ref", FIRST)
    assert result.returncode == 0, result.stderr
    assert "humanize==4.17.0 (dependencies), freezegun==1.5.5 (dev)" in result.stderr
    pyproject = tomllib.loads((backend / "pyproject.toml").read_text())
    assert "humanize==4.17.0" in pyproject["project"]["dependencies"]
    assert "freezegun==1.5.5" in pyproject["dependency-groups"]["dev"]
    assert sorted(path.name for path in backend.glob("requirements*")) == []
    # The template's own dependencies are declared once, as before.
    names = [spec.split("==")[0] for spec in pyproject["project"]["dependencies"]]
    assert len(names) == len(set(names)) and "django" in names

    # uv locks them with their hashes (from PyPI), and installs exactly that.
    env = {
        **os.environ,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
    }
    for command in (["lock"], ["sync", "--locked"]):
        run = subprocess.run(
            [UV, *command, "--python", find_python("3.13")],
            cwd=backend,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
    lock = (backend / "uv.lock").read_text()
    assert 'name = "humanize"\nversion = "4.17.0"' in lock
    assert 'name = "freezegun"\nversion = "1.5.5"' in lock
