"""The backend as deployed: gunicorn with the rendered config and production
settings, in front of real PostgreSQL and Redis."""

import json
import time

import pytest

from support import compose
from support.access import create_user, issue_token
from support.backend import gunicorn
from support.dockerfiles import Dockerfile
from support.http import json_body, request

pytestmark = pytest.mark.parametrize("name", ["defaults", "everything-off"])

PROXY = "127.0.0.1"


@pytest.fixture
def service(name, render, postgres, redis_url, tmp_path):
    """gunicorn serving the render, as the image's command would start it."""
    project = render(name)
    env = project.production_env(
        tmp_path / "secrets", postgres.create_database(f"service_{name}"), redis_url
    )
    # The test talks to gunicorn as the reverse proxy would.
    env["DJANGO_TRUSTED_PROXIES"] = f"{PROXY}/32"
    with gunicorn(project, env, tmp_path / "gunicorn.log") as port:
        # The API answers only a logged-in client: an editor's API token.
        create_user(project, env, "clerk", "editor")
        token = issue_token(project, env, "clerk", tmp_path)
        yield project, port, tmp_path / "gunicorn.log", env, token


def api(port: int, path: str, project, token: str, **kwargs):
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
        "Content-Type": "application/json",
        "Authorization": f"Token {token}",
    }
    return request(port, path, host=project.answers["domain_name"], headers=headers, **kwargs)


def test_gunicorn_serves_the_api_and_the_probes(service):
    project, port, log_path, _, token = service
    status, headers, body = api(
        port,
        "/api/customers/",
        project,
        token,
        method="POST",
        body=json.dumps(
            {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
        ).encode(),
    )
    assert status == 201, body
    assert headers["Content-Security-Policy"]
    status, _, body = api(port, "/api/customers/?search=love", project, token)
    assert status == 200
    assert [c["email"] for c in json_body(body)["results"]] == ["ada@example.com"]

    for path in ("/health/live/", "/health/ready/"):
        status, _, body = request(port, path)  # plain HTTP, Host: localhost
        assert status == 200, (path, body)

    # Without X-Forwarded-Proto the API redirects to HTTPS; the probes never do.
    status, headers, _ = request(port, "/api/customers/", host=project.answers["domain_name"])
    assert status == 301
    assert headers["Location"].startswith("https://")

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line.get("logger", "").endswith(".access")]
    # Forwarded by the trusted proxy: the client's address; direct: the peer's.
    assert [(line["status"], line["client"]) for line in access] == [
        (201, "203.0.113.7"),
        (200, "203.0.113.7"),
        (301, PROXY),
    ]
    assert all(line["request_id"] for line in access)


def test_readiness_follows_the_database(service, postgres):
    _, port, _, _, _ = service
    assert request(port, "/health/ready/")[0] == 200
    postgres.stop()
    try:
        postgres.wait_until_down()
        status, _, body = request(port, "/health/ready/")
        assert status == 503
        payload = json_body(body)
        assert payload["checks"]["database"] == "unavailable"
        assert "Traceback" not in body.decode()
        assert "connection" not in body.decode().lower()
        assert request(port, "/health/live/")[0] == 200
    finally:
        postgres.start()
    deadline = time.monotonic() + 60
    while request(port, "/health/ready/")[0] != 200:
        assert time.monotonic() < deadline, "readiness did not recover after the database returned"
        time.sleep(0.5)


def test_the_image_and_compose_health_checks_hit_the_live_probe(service):
    """The HEALTHCHECK command and compose's, run as the container would run them."""
    project, port, _, env, _ = service
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    dockerfile = Dockerfile.parse(project.backend / "Dockerfile")
    checks = [dockerfile.exec_form("HEALTHCHECK", "production")]
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        required = {
            "IMAGE_TAG": "1",
            "EMAIL_HOST": "smtp.example.com",
            "ALERT_EMAIL_TO": "ops@example.com",
        }
        test = compose.load(project.path / name, required)["services"]["backend"]
        checks.append(test["healthcheck"]["test"][1:])  # after "CMD"
    for command in checks:
        assert command == ["python", "healthcheck.py"]
        result = project.run(*command, env=env)
        assert result.returncode == 0, result.stderr
    # And it fails when nothing answers on that port.
    result = project.run("python", "healthcheck.py", env={**env, "GUNICORN_BIND": "127.0.0.1:1"})
    assert result.returncode == 1
