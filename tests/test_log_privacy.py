"""No customer data in any log: requests full of marker personal data go
through the real nginx and gunicorn (production settings, log files on), and
no log file of either holds a marker afterwards, while every access line
still has its request id, path, status and timing."""

import http.client
import json
import urllib.parse

import pytest
import redis
from test_edge import Edge, nginx_for

from support.access import create_user, issue_token
from support.backend import gunicorn
from support.http import request
from support.nginx import Nginx
from support.postgres import free_port

EMAIL = "pii.marker.q7x@example.com"
NAME = "Zqxmarkerova"
PHONE = "+44 7700 900461"
MARKERS = [EMAIL, NAME, PHONE, "7700 900461", "7700900461", "pii.marker.q7x"]


def encodings(text: str) -> set[str]:
    """The forms a marker takes in a URL or a JSON string."""
    return {
        text,
        urllib.parse.quote(text),
        urllib.parse.quote_plus(text),
        urllib.parse.quote(text, safe=""),
        json.dumps(text)[1:-1],
    }


@pytest.fixture
def stack(render, postgres, redis_proc, frontend_build, tmp_path):
    project = render("defaults")
    frontend_build.require_build()
    redis.Redis(host=redis_proc.host, port=redis_proc.port).flushall()
    env = project.production_env(
        tmp_path / "secrets",
        postgres.create_database("privacy"),
        f"redis://{redis_proc.host}:{redis_proc.port}/0",
    )
    env.update(DJANGO_TRUSTED_PROXIES="127.0.0.1/32", DJANGO_LOG_DIR=str(tmp_path / "logs"))
    with gunicorn(project, env, tmp_path / "backend.log") as port:
        # The API answers only a logged-in client: a manager's API token.
        create_user(project, env, "privacy", "manager")
        token = issue_token(project, env, "privacy", tmp_path)
        nginx = nginx_for(
            project,
            tmp_path,
            frontend_build.dist,
            BACKEND_UPSTREAM=f"127.0.0.1:{port}",
            NGINX_API_RATE="1r/m",
            NGINX_API_BURST="20",
        )
        nginx.start()
        try:
            yield Edge(project, nginx, tmp_path / "backend.log", token), tmp_path
        finally:
            nginx.stop()


def send_everything(edge: Edge) -> dict[str, int]:
    """Every kind of request and answer, each carrying the markers."""
    query = urllib.parse.urlencode({"email": EMAIL, "search": NAME, "phone": PHONE})
    person = {"first_name": NAME, "last_name": NAME, "email": EMAIL, "phone": PHONE}
    statuses = {
        "list": edge.get(f"/api/customers/?{query}")[0],
        "create": edge.post("/api/customers/", person)[0],
        "duplicate": edge.post("/api/customers/", person)[0],
        "bad phone": edge.post("/api/customers/", {**person, "phone": f"call {PHONE}"})[0],
        "bad filter": edge.get(f"/api/customers/?is_active={urllib.parse.quote(EMAIL)}")[0],
        "missing": edge.get(f"/api/customers/999999/?{query}")[0],
        # Paths carry ids only; a personal value in one is the Django suite's.
        "unrouted": edge.get(f"/api/no-such-thing/?{query}")[0],
        "page": edge.get(f"/?{query}")[0],
    }
    created = json.loads(edge.get(f"/api/customers/?{query}")[2])["results"][0]["id"]
    statuses["update"] = edge.get(
        f"/api/customers/{created}/?{query}",
        method="PATCH",
        body=json.dumps({"company": NAME}).encode(),
        headers={"Content-Type": "application/json"},
    )[0]
    statuses["broken json"] = edge.get(
        "/api/customers/",
        method="POST",
        body=('{"email": "' + EMAIL + '", "first_name": ').encode(),
        headers={"Content-Type": "application/json"},
    )[0]
    try:
        statuses["forged host"] = edge.get(f"/api/customers/?{query}", host=f"{NAME}.example")[0]
    except http.client.RemoteDisconnected:
        statuses["forged host"] = "closed"  # nginx's 444 for a host it does not serve
    # Past nginx's budget (1r/m, burst 20): its 429s, which it logs as errors.
    spent = [edge.get(f"/api/customers/?{query}", client="127.0.0.3")[0] for _ in range(25)]
    statuses["nginx 429"] = spent[-1]
    statuses["delete"] = edge.get(f"/api/customers/{created}/?{query}", method="DELETE")[0]
    return statuses


def test_no_log_holds_customer_data(stack):
    edge, tmp_path = stack
    statuses = send_everything(edge)
    assert statuses == {
        "list": 200,
        "create": 201,
        "duplicate": 400,
        "bad phone": 400,
        "bad filter": 400,
        "missing": 404,
        "unrouted": 404,
        "page": 200,
        "update": 200,
        "broken json": 400,
        "forged host": "closed",
        "nginx 429": 429,
        "delete": 204,
    }
    # nginx's 502 when the backend is gone, which it logs as an error too.
    edge.nginx.stop()
    dead = Nginx(
        frontend=edge.nginx.frontend,
        directory=tmp_path / "dead-nginx",
        html=edge.nginx.html,
        env={**edge.nginx.env, "BACKEND_UPSTREAM": "127.0.0.1:9"},
        http_port=free_port(),
        https_port=free_port(),
    )
    dead.start()
    try:
        query = urllib.parse.urlencode({"email": EMAIL})
        status = request(
            dead.https_port,
            f"/api/customers/?{query}",
            host=edge.project.answers["domain_name"],
            tls=True,
        )
    finally:
        dead.stop()
    assert status[0] == 502

    logs = [p for p in tmp_path.rglob("*.log") if p.is_file()]
    names = {p.name for p in logs}
    assert {"access.log", "error.log", "backend.log", "application.log", "security.log"} <= names
    found = [
        f"{path.relative_to(tmp_path)}: {form!r}"
        for path in logs
        for marker in MARKERS
        for form in encodings(marker)
        if form in path.read_text()
    ]
    assert found == []
    # Nor the API token every request carried.
    assert [str(path) for path in logs if edge.token in path.read_text()] == []

    # What the logs are for is still there.
    nginx_lines = [
        json.loads(line) for line in (tmp_path / "nginx/access.log").read_text().splitlines()
    ]
    assert nginx_lines and all(
        line["request_id"] and line["path"] and line["status"] and "duration_ms" in line
        for line in nginx_lines
    )
    django_lines = [
        json.loads(line) for line in (tmp_path / "logs/application.log").read_text().splitlines()
    ]
    access = [line for line in django_lines if line["logger"].endswith(".access")]
    assert {line["path"] for line in access} >= {"/api/customers/", "/api/customers/{pk}/"}
    assert all(line["request_id"] and line["status"] and "duration_ms" in line for line in access)
    for path in (tmp_path / "logs").iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o640", path
