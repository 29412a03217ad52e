"""Every image the answer sets define, built from the rendered Dockerfiles
over the stand-in bases (support.standins) and started as the production
stack starts it: the release step and the backend against the real
PostgreSQL and Redis, the frontend over TLS in front of the backend
container, every HEALTHCHECK run inside its container.

The backend shares the host's network and binds to loopback; the frontend
has a network namespace of its own with its ports published on loopback.
No traffic leaves this machine's loopback or that namespace.
"""

import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import images, standins
from support.answers import ANSWER_SETS, QUESTIONS
from support.http import exchange, json_body, wait_for
from support.nginx import dev_certificate
from support.postgres import RUNTIME_PASSWORD, RUNTIME_USER, free_port
from support.scripts import imported

PARTS = ("backend", "frontend")
PASSWORD = "a long passphrase nobody would guess"
FRONTEND_SETS = [
    name
    for name in images.IMAGE_SETS
    if ANSWER_SETS[name].get("use_frontend", QUESTIONS["use_frontend"]["default"])
]


def containers_of(project):
    """The render's scripts/rehearsal/containers.py (kept after the import is undone)."""
    with imported(project.path, "rehearsal.containers") as module:
        return module


def test_the_standins_scripts_pass_shellcheck():
    scripts = sorted(standins.DEFINITIONS.glob("**/*.sh"))
    assert scripts
    result = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_image_sets_are_every_distinct_build_context_once(render):
    first: dict[tuple, str] = {}
    for name in ANSWER_SETS:
        key = tuple(images.signature(render(name), part) for part in PARTS)
        first.setdefault(key, name)
    assert list(first.values()) == images.IMAGE_SETS


@pytest.fixture(scope="module", params=images.IMAGE_SETS)
def built(request, render):
    """The answer set's images: the backend's production and development
    stages and, with a frontend, the frontend's."""
    project = render(request.param)
    tags = {}
    for part, target in (("backend", "production"), ("backend", "development"), ("frontend", None)):
        if images.signature(project, part) is None:
            continue
        result = images.build(project, part, target)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        tags[target or part] = images.tag(project, part, target)
    return project, tags


def test_every_image_builds_and_runs_as_its_unprivileged_user(built, record_property):
    project, tags = built
    containers = containers_of(project)
    expected = {"production": "10001:10001", "development": "", "frontend": "101"}
    for kind, tag in tags.items():
        image = containers.Image.inspect(tag)
        assert image.user == expected[kind], (tag, image.user)
        if kind != "development":
            assert image.healthcheck[0] == "CMD", (tag, image.healthcheck)
        # The figures tools/test prints after the run (conftest), so growth shows.
        record_property("image", {"tag": tag, "size": image.size, "layers": image.layers})
    assert set(tags) == (
        {"production", "development", "frontend"}
        if project.answers["use_frontend"]
        else {"production", "development"}
    )


class Secrets:
    """The stack's secret files, written for one run."""

    def __init__(self, directory: Path, **values: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {}
        for name, value in values.items():
            (directory / name).write_text(value)
            self.paths[name] = directory / name

    def __call__(self, *names: str) -> dict[str, Path]:
        return {name: self.paths[name] for name in names}


@dataclass
class Backend:
    project: object
    server: object
    port: int
    # once(*command, env=..., secrets=...): a one-off container of the image.
    once: Callable
    # worker(): the stack's worker service from the image, started.
    worker: Callable


@pytest.fixture(scope="module")
def backend(built, postgres, redis_url, tmp_path_factory):
    """The production image serving on loopback after its release step, as
    docker-compose.prod.yml runs both; yields what the tests need of it."""
    project, tags = built
    containers = containers_of(project)
    tmp = tmp_path_factory.mktemp(f"image-{project.name}")
    owner_url = postgres.create_database(f"image_{project.name}")
    postgres.create_runtime_role(project.path / "database" / "runtime-role.sql")
    name = owner_url.rsplit("/", 1)[1]
    keys = Secrets(
        tmp / "secrets",
        django_secret_key=secrets.token_urlsafe(50),
        db_password=postgres.password,
        db_runtime_password=RUNTIME_PASSWORD,
        email_host_password="",
    )
    port = free_port()
    env = {
        "DJANGO_SECRET_KEY_FILE": "/run/secrets/django_secret_key",
        "DJANGO_ALLOWED_HOSTS": f"{project.answers['domain_name']},127.0.0.1",
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1/32",
        "DATABASE_URL": f"postgres://{RUNTIME_USER}@127.0.0.1:{postgres.port}/{name}",
        "DATABASE_PASSWORD_FILE": "/run/secrets/db_runtime_password",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    if project.answers["use_redis"]:
        env["REDIS_URL"] = redis_url
    release = {
        "DATABASE_URL": f"postgres://{postgres.user}@127.0.0.1:{postgres.port}/{name}",
        "DATABASE_PASSWORD_FILE": "/run/secrets/db_password",
        "DATABASE_RUNTIME_ROLE": RUNTIME_USER,
    }
    image = tags["production"]
    host = ["--network", "host"]

    def once(
        *command: str,
        extra: dict | None = None,
        secrets=("django_secret_key", "db_runtime_password"),
    ):
        """A one-off container of the image, with the servers' environment and `extra`."""
        return containers.run_once(
            image,
            list(command),
            env={**env, **(extra or {})},
            secrets=keys(*secrets),
            flags=[*host, *containers.runs_as_stack("migrate")],
        )

    migrate = containers.service("migrate")["command"]
    result = once(*migrate, extra=release, secrets=("django_secret_key", "db_password"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    server = containers.start(
        image,
        f"template-test-backend-{project.name}",
        env=env,
        secrets=keys("django_secret_key", "db_runtime_password"),
        flags=[*host, *containers.runs_as_stack("backend")],
    )

    def worker():
        """The stack's worker service: its command, flags and secrets, with
        mail to a relay nobody listens on (nothing is sent here)."""
        spec = containers.service("worker")
        return containers.start(
            image,
            f"template-test-worker-{project.name}",
            env={**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(free_port())},
            secrets=keys("django_secret_key", "db_runtime_password", "email_host_password"),
            flags=[*host, *containers.runs_as_stack("worker")],
            command=spec["command"],
        )

    try:
        wait_for(port, "/health/live/", timeout=90)
        yield Backend(project, server, port, once, worker)
    finally:
        server.stop()


def token_for(once, role_group: str, username: str) -> str:
    created = once(
        "python",
        "manage.py",
        "create_user",
        username,
        "--group",
        role_group,
        extra={"ACCESS_PASSWORD": PASSWORD},
    )
    assert created.returncode == 0, created.stderr[-3000:]
    issued = once("python", "manage.py", "issue_api_token", username, "--days", "1")
    assert issued.returncode == 0, issued.stderr[-3000:]
    return re.findall(r"^[0-9a-f]{64}$", issued.stdout, re.MULTILINE)[-1]


def test_the_backend_image_migrates_serves_and_checks_its_own_health(backend):
    project, server, port, once = backend.project, backend.server, backend.port, backend.once
    wait_for(port, "/health/ready/", timeout=30)
    assert server.exec("id", "-u").stdout.strip() == "10001"
    # Nothing in the image is written at run time: the root is read-only.
    assert server.exec("touch", "/app/written").returncode != 0
    health = server.healthcheck()
    assert health.returncode == 0, health.stdout + health.stderr

    token = token_for(once, "customer editors", "image-editor")
    host = project.answers["domain_name"]
    # Spoken to as nginx speaks to it: from the trusted proxy, for an HTTPS client.
    proxied = {"X-Forwarded-Proto": "https"}
    auth = {**proxied, "Authorization": f"Token {token}"}
    status, _, body = exchange(port, "/api/customers/", host=host, headers=auth)
    assert status == 200, body
    assert json_body(body)["results"] == []
    status, _, _ = exchange(port, "/api/customers/", host=host, headers=proxied)
    assert status in (401, 403)


def test_the_worker_runs_from_the_backend_image_as_the_stack_runs_it(backend):
    """Read-only root, the image's user, its heartbeat health check passing,
    and a clean, prompt exit on the stop signal."""
    worker = backend.worker()
    try:
        deadline = time.monotonic() + 60
        while worker.exec("python", "worker_healthcheck.py").returncode != 0:
            assert time.monotonic() < deadline, worker.logs()[-3000:]
            time.sleep(1)
        assert worker.exec("id", "-u").stdout.strip() == "10001"
        assert worker.exec("touch", "/app/written").returncode != 0
        assert "worker started" in worker.logs()
        started = time.monotonic()
        stopped = containers_of(backend.project).engine("stop", "--time", "30", worker.name)
        assert stopped.returncode == 0, stopped.stderr
        assert time.monotonic() - started < 15
        state = containers_of(backend.project).engine(
            "inspect", "--format", "{{.State.ExitCode}}", worker.name
        )
        assert state.stdout.strip() == "0", worker.logs()[-3000:]
    finally:
        worker.stop()


@pytest.fixture(scope="module")
def frontend(built, backend, tmp_path_factory):
    """The frontend image in its own network namespace, in front of the
    backend container; yields it, its published port and its edge log."""
    project, tags = built
    containers = containers_of(project)
    tmp = tmp_path_factory.mktemp(f"frontend-{project.name}")
    tls = project.answers["tls_termination"] == "nginx"
    keys = {}
    if tls:
        pair = dev_certificate(project.path, tmp)
        keys = {
            "tls_certificate": Path(pair["TLS_CERTIFICATE"]),
            "tls_private_key": Path(pair["TLS_PRIVATE_KEY"]),
        }
    edge_log = tmp / "edge"
    edge_log.mkdir()
    edge_log.chmod(0o777)  # the image's nginx user (101) writes here, as in the stack's volume
    https, http = free_port(), free_port()
    flags = [
        "--network",
        containers.OWN_NETWORK,
        "--publish",
        f"127.0.0.1:{http}:8080",
        *(["--publish", f"127.0.0.1:{https}:8443"] if tls else []),
        *containers.runs_as_stack("frontend"),
    ]
    if project.answers["use_monitoring"]:
        flags += ["--volume", f"{edge_log}:/var/log/nginx/edge"]
    server = containers.start(
        tags["frontend"],
        f"template-test-frontend-{project.name}",
        env={
            "BACKEND_UPSTREAM": f"{containers.HOST_LOOPBACK}:{backend.port}",
            "NGINX_SERVER_NAME": project.answers["domain_name"],
            # This machine's connections arrive from within the namespace's
            # network: where TLS ends at a load balancer, the tests speak as it.
            "TRUSTED_PROXY_RANGE": containers.SUBNET,
        },
        secrets=keys,
        flags=flags,
    )
    port = https if tls else http
    try:
        try:
            wait_for(port, "/healthz", host=project.answers["domain_name"], tls=tls, timeout=60)
        except TimeoutError as error:
            raise AssertionError(f"{error}\n{server.logs()[-4000:]}") from None
        yield server, port, tls, edge_log
    finally:
        server.stop()


@pytest.mark.parametrize("built", FRONTEND_SETS, indirect=True)
def test_the_frontend_image_serves_the_page_and_proxies_the_api(built, backend, frontend):
    project, _ = built
    server, port, tls, edge_log = frontend
    host = project.answers["domain_name"]
    # Without TLS at nginx, the load balancer in front says the client used HTTPS.
    proxied = {} if tls else {"X-Forwarded-Proto": "https"}
    status, headers, body = exchange(port, "/", host=host, tls=tls, headers=proxied)
    assert status == 200 and b"<!doctype html>" in body.lower()[:200], body[:200]
    assert headers["Content-Security-Policy"]
    token = token_for(backend.once, "customer viewers", "image-viewer")
    auth = {**proxied, "Authorization": f"Token {token}"}
    status, _, body = exchange(port, "/api/customers/", host=host, tls=tls, headers=auth)
    assert status == 200, (body, server.logs()[-2000:])
    health = server.healthcheck()
    assert health.returncode == 0, health.stdout + health.stderr
    assert server.exec("id", "-u").stdout.strip() == "101"
    if project.answers["use_monitoring"]:
        # nginx writes the access log mtail reads, in batches of at most a second.
        deadline = time.monotonic() + 10
        while '"path":"/api/customers/"' not in "".join(
            path.read_text() for path in edge_log.glob("*.log")
        ):
            assert time.monotonic() < deadline, server.logs()[-3000:]
            time.sleep(0.5)


@pytest.mark.parametrize(
    ("defect", "part", "change", "message"),
    [
        (
            "an app left out of the image",
            "backend",
            lambda d: d.replace("COPY accounts ./accounts\n", ""),
            "No module named 'accounts'",
        ),
        (
            "a root-only step after the base image's unprivileged USER",
            "frontend",
            lambda d: d.replace("USER 0\n", ""),
            'building at STEP "RUN install -d -o 101 -g 101',
        ),
    ],
    ids=["app-left-out", "root-step-as-nginx"],
)
def test_a_broken_dockerfile_fails_its_build(render, tmp_path, defect, part, change, message):
    project = render("defaults")
    context = tmp_path / part
    shutil.copytree(project.path / part, context)
    dockerfile = context / "Dockerfile"
    broken = change(dockerfile.read_text())
    assert broken != dockerfile.read_text(), f"{defect}: the change found nothing to break"
    dockerfile.write_text(broken)
    target = "production" if part == "backend" else None
    result = images.build(project, part, target, context=context)
    assert result.returncode != 0, f"{defect}: the build passed"
    assert message in result.stdout + result.stderr
