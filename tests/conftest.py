"""Shared fixtures: each answer set rendered once per session, real servers,
the Kubernetes renders with their overlays built."""

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from pytest_redis import factories

from support import frontend
from support.access import serving
from support.answers import ANSWER_SETS
from support.kubernetes import EXTRA, OVERLAYS, build, deployment, install_crd_models
from support.postgres import PostgresServer, free_port
from support.smtp import mail_parts
from support.standins import DEFINITIONS

# podman and buildah as this machine runs them (tests/standins/containers.conf).
os.environ.setdefault("CONTAINERS_CONF", str(DEFINITIONS / "containers.conf"))
from support.projects import Project

redis_proc = factories.redis_proc(executable="/usr/bin/redis-server", port=None)

# tools/test hands whole files to its two processes in collection order
# (--dist loadfile --no-loadscope-reorder). The files that keep one process
# busy for minutes go first, longest first (the run's --durations; see
# docs/maintaining.md, "The suite's time"), so that the many short files
# even out the end instead of one process running a long file alone while
# the other idles. The rest follow as xdist would order them: most tests first.
LONGEST_FIRST = (
    "test_backend.py",
    "test_rehearsal.py",
    "test_images.py",
    "test_update.py",
    "test_search.py",
    "test_hooks.py",
    "test_containers.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After pytest's own order (by fixture parameters, kept within a file),
    and in xdist's workers only: run alone, pytest keeps its order, which
    runs a session fixture's parameters across files before tearing one down."""
    if not hasattr(config, "workerinput"):
        return
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    tests_in = Counter(item.path for item in items)
    items.sort(
        key=lambda item: (
            rank.get(item.path.name, len(rank)),
            -tests_in[item.path],
            str(item.path),
        )
    )


@pytest.fixture(scope="session")
def render(copie_session):
    """render(name) -> Project: the answer set rendered once, then shared."""
    projects: dict[str, Project] = {}

    def get(name: str) -> Project:
        if name not in projects:
            result = copie_session.copy(extra_answers=ANSWER_SETS[name])
            if result.exception is not None:
                raise result.exception
            projects[name] = Project(name, result.project_dir)
        return projects[name]

    return get


@pytest.fixture(scope="session", params=list(ANSWER_SETS))
def project(request, render) -> Project:
    """Every answer set in turn."""
    return render(request.param)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session, run as the postgres system user."""
    directory = Path(tempfile.mkdtemp(prefix="template-tests-pg-"))
    server = PostgresServer(directory, free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(redis_proc) -> str:
    return f"redis://{redis_proc.host}:{redis_proc.port}/0"


@pytest.fixture(scope="session")
def frontend_build(render, tmp_path_factory) -> frontend.Frontend:
    """The defaults render's frontend, built once for the session."""
    source = render("defaults").path / "frontend"
    return frontend.build(source, tmp_path_factory.mktemp("frontend") / "frontend")


@pytest.fixture(scope="session")
def k8s_render(render, copie_session):
    """k8s_render(name) -> Project: a render of support.kubernetes.KUBERNETES."""
    extra: dict[str, Project] = {}

    def get(name: str) -> Project:
        if name in ANSWER_SETS:
            return render(name)
        if name not in extra:
            result = copie_session.copy(extra_answers=EXTRA[name])
            if result.exception is not None:
                raise result.exception
            extra[name] = Project(name, result.project_dir)
        return extra[name]

    return get


@pytest.fixture(scope="session")
def deployed(k8s_render, tmp_path_factory):
    """name -> (project, copy with secrets, {overlay: built objects})."""
    made: dict[str, tuple] = {}

    def get(name: str):
        if name not in made:
            project = k8s_render(name)
            copy = deployment(project, tmp_path_factory.mktemp(name) / "project")
            objects = {o: build(copy / "deploy/kubernetes" / o) for o in OVERLAYS}
            made[name] = (project, copy, objects)
        return made[name]

    return get


@pytest.fixture(scope="session")
def crd_models(tmp_path_factory) -> Path:
    return install_crd_models(tmp_path_factory.mktemp("crd-models") / "models")


@pytest.fixture(scope="session", params=["defaults", "everything-off"])
def access_service(request, render, postgres, redis_proc, tmp_path_factory):
    """A render serving with production settings (support.access.serving),
    shared by the tests of identity and access; one answer set at a time."""
    tmp = tmp_path_factory.mktemp(f"access-{request.param}")
    with serving(render(request.param), postgres, redis_proc, tmp) as service:
        yield service


def pytest_terminal_summary(terminalreporter):
    """Each image's size and layer count (test_images records them), so growth shows."""
    rows = {
        value["tag"]: value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "image"
    }
    if rows:
        terminalreporter.section("images built (over the stand-in bases)")
        for tag, row in sorted(rows.items()):
            terminalreporter.write_line(
                f"{tag:60} {row['size'] / 1e6:7.1f} MB  {row['layers']:3d} layers"
            )


@pytest.fixture
def mail_modules(render):
    """The defaults render's mail catcher and worker (its rehearsal's)."""
    with mail_parts(render("defaults")) as modules:
        yield modules


@pytest.fixture
def smtp(mail_modules):
    """A real SMTP server on loopback, the render's mail catcher."""
    server = mail_modules.mail_catcher.MailCatcher()
    server.start()
    yield server
    server.stop()
