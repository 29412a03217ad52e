"""The edge, end to end on loopback: the real nginx with the rendered config
in front of the rendered backend under gunicorn, with real PostgreSQL and
Redis. Client addresses are distinct loopback addresses (127.0.0.x)."""

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from support import compose
from support.access import create_user, issue_token
from support.backend import gunicorn
from support.http import request
from support.nginx import Nginx, dev_certificate
from support.postgres import free_port

BIN = Path(sys.executable).parent
LOAD_BALANCER = "127.0.0.10"  # the trusted proxy in front of nginx
SECURITY_HEADERS = {
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
}


def nginx_for(project, tmp_path: Path, html: Path, **env: str) -> Nginx:
    tls = project.answers.get("tls_termination") == "nginx"
    settings = {"TRUSTED_PROXY_RANGE": f"{LOAD_BALANCER}/32", **env}
    if tls:
        settings.update(dev_certificate(project.path, tmp_path / "tls"))
    return Nginx(
        frontend=project.path / "frontend",
        directory=tmp_path / "nginx",
        html=html,
        env=settings,
        http_port=free_port(),
        https_port=free_port() if tls else None,
    )


@pytest.mark.parametrize("name", ["defaults", "all-on", "no-redis", "no-rate-limiting", "renamed"])
def test_nginx_accepts_the_rendered_config(name, render, tmp_path):
    project = render(name)
    nginx = nginx_for(project, tmp_path, tmp_path / "html", BACKEND_UPSTREAM="127.0.0.1:9")
    result = nginx.test_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.parametrize("name", ["defaults", "all-on", "no-redis", "no-rate-limiting"])
def test_gixy_finds_nothing(name, render, tmp_path):
    project = render(name)
    nginx = nginx_for(project, tmp_path, tmp_path / "html", BACKEND_UPSTREAM="127.0.0.1:9")
    # Audited, not started: with the image's own ports. gixy takes any listen
    # with "443" in it for TLS, so a random port like 44312 made a plain
    # server look like an HTTPS one without HSTS.
    nginx.http_port, nginx.status_port = 8080, 8081
    nginx.https_port = 8443 if nginx.https_port else None
    main = nginx.write()
    # The one check skipped concerns the stock nginx.conf of the image (its
    # worker limits), which the template does not ship; support/nginx.py mirrors it.
    result = subprocess.run(
        [BIN / "gixy", "--skips", "worker_rlimit_nofile_vs_connections", main],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues found" in result.stdout, result.stdout


class Edge:
    """nginx in front of gunicorn; requests as a given client address, with a
    manager's API token (the API answers nobody else)."""

    def __init__(self, project, nginx: Nginx, backend_log: Path, token: str):
        self.project, self.nginx, self.backend_log = project, nginx, backend_log
        self.token = token
        self.tls = nginx.https_port is not None
        self.port = nginx.https_port or nginx.http_port

    def get(self, path: str, client: str = "127.0.0.2", **kwargs):
        kwargs.setdefault("host", self.project.answers["domain_name"])
        kwargs["headers"] = {"Authorization": f"Token {self.token}", **kwargs.get("headers", {})}
        return request(self.port, path, source=client, tls=self.tls, **kwargs)

    def post(self, path: str, payload: dict, client: str = "127.0.0.2"):
        return self.get(
            path,
            client,
            method="POST",
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    def backend_clients(self) -> list[str]:
        lines = [
            json.loads(line)
            for line in self.backend_log.read_text().splitlines()
            if line.startswith("{")
        ]
        return [line["client"] for line in lines if line.get("logger", "").endswith(".access")]


@pytest.fixture
def edge(request, render, postgres, redis_proc, frontend_build, tmp_path):
    """The whole edge for one render; nginx and Django limits from the test's marks."""
    name, nginx_env, django_env = request.param
    project = render(name)
    frontend_build.require_build()
    database = postgres.create_database(f"edge_{name}")
    # An empty Redis, so no earlier test's rate counters count here.
    redis.Redis(host=redis_proc.host, port=redis_proc.port).flushall()
    env = project.production_env(
        tmp_path / "secrets", database, f"redis://{redis_proc.host}:{redis_proc.port}/0"
    )
    env.update(DJANGO_TRUSTED_PROXIES="127.0.0.1/32", **django_env)
    with gunicorn(project, env, tmp_path / "backend.log") as backend_port:
        create_user(project, env, "edge", "manager")
        token = issue_token(project, env, "edge", tmp_path)
        nginx = nginx_for(
            project,
            tmp_path,
            frontend_build.dist,
            BACKEND_UPSTREAM=f"127.0.0.1:{backend_port}",
            **nginx_env,
        )
        nginx.start()
        try:
            yield Edge(project, nginx, tmp_path / "backend.log", token)
        finally:
            nginx.stop()


# nginx's API budget: 1 request a minute plus a burst of 5, so exactly six
# requests pass however long the test takes (well under a minute).
SLOW_NGINX = {"NGINX_API_RATE": "1r/m", "NGINX_API_BURST": "5"}
BURST = 5


# Without Redis, nginx still limits (Django does not: it has no shared cache).
@pytest.mark.parametrize(
    "edge", [("defaults", SLOW_NGINX, {}), ("no-redis", SLOW_NGINX, {})], indirect=True
)
def test_nginx_limits_each_real_client_exactly(edge):
    codes = [edge.get("/api/customers/", client="127.0.0.2")[0] for _ in range(BURST + 4)]
    assert codes == [200] * (BURST + 1) + [429] * 3

    # Another client has a budget of its own.
    assert edge.get("/api/customers/", client="127.0.0.3")[0] == 200

    # An untrusted client cannot buy a fresh budget by naming another address.
    spoofed = [
        edge.get(
            "/api/customers/", client="127.0.0.4", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )[0]
        for n in range(BURST + 3)
    ]
    assert spoofed == [200] * (BURST + 1) + [429] * 2

    # Behind the trusted load balancer, each forwarded client is limited apart.
    for client in ("203.0.113.5", "203.0.113.6"):
        status = edge.get(
            "/api/customers/", client=LOAD_BALANCER, headers={"X-Forwarded-For": client}
        )[0]
        assert status == 200
    # And the backend saw the real addresses, never the spoofed ones.
    seen = set(edge.backend_clients())
    assert {"127.0.0.2", "127.0.0.3", "127.0.0.4", "203.0.113.5", "203.0.113.6"} <= seen
    assert not any(address.startswith("198.51.100.") for address in seen)


@pytest.mark.parametrize(
    "edge",
    [
        (
            "defaults",
            {"NGINX_API_RATE": "1000r/s", "NGINX_API_BURST": "1000"},
            {"CUSTOMERS_LIST_RATE": "3/m", "CUSTOMERS_CREATE_RATE": "2/m"},
        )
    ],
    indirect=True,
)
def test_with_nginx_limits_raised_django_answers_429(edge):
    codes = [edge.get("/api/customers/", client="127.0.0.2")[0] for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    status, headers, body = edge.get("/api/customers/", client="127.0.0.2")
    assert status == 429
    assert headers["Content-Type"].startswith("application/json")  # Django's, not nginx's
    assert "detail" in json.loads(body)
    assert edge.get("/api/customers/", client="127.0.0.3")[0] == 200

    created = [
        edge.post(
            "/api/customers/",
            {"first_name": "R", "last_name": f"L{n}", "email": f"r{n}@example.com"},
            client="127.0.0.5",
        )[0]
        for n in range(3)
    ]
    assert created == [201, 201, 429]


@pytest.mark.parametrize("edge", [("defaults", SLOW_NGINX, {})], indirect=True)
def test_every_kind_of_response_carries_the_security_headers(edge):
    assets = sorted((edge.nginx.html / "assets").iterdir())
    responses = {
        "page 200": edge.get("/"),
        "asset 200": edge.get(f"/assets/{assets[0].name}"),
        "missing asset 404": edge.get("/assets/missing-AAAAAAAA.js"),
        "api 200": edge.get("/api/customers/", client="127.0.0.6"),
        "api 400": edge.post("/api/customers/", {"email": "nope"}, client="127.0.0.7"),
        "api 404": edge.get("/api/no-such-thing/", client="127.0.0.8"),
        "internal probe 404": edge.get("/health/ready/"),
    }
    for _ in range(BURST + 1):
        edge.get("/api/customers/", client="127.0.0.9")
    responses["nginx 429"] = edge.get("/api/customers/", client="127.0.0.9")
    expected = {
        "page 200": 200,
        "asset 200": 200,
        "missing asset 404": 404,
        "api 200": 200,
        "api 400": 400,
        "api 404": 404,
        "internal probe 404": 404,
        "nginx 429": 429,
    }
    for label, (status, headers, _) in responses.items():
        assert status == expected[label], label
        missing = SECURITY_HEADERS - set(headers)
        assert not missing, f"{label}: missing {missing}"
        assert "Strict-Transport-Security" in headers, label
        assert headers["X-Frame-Options"] == "DENY", label
        assert headers["X-Content-Type-Options"] == "nosniff", label
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", label
        assert "Server" not in headers or headers["Server"] == "nginx", label  # no version
    assert "max-age=31536000" in responses["asset 200"][1]["Cache-Control"]
    assert responses["page 200"][1]["Cache-Control"] == "no-cache"

    # A 5xx: the backend gone, nginx answers 502 with the same headers.
    edge.nginx.stop()
    dead = Nginx(
        frontend=edge.nginx.frontend,
        directory=edge.nginx.directory.parent / "dead",
        html=edge.nginx.html,
        env={**edge.nginx.env, "BACKEND_UPSTREAM": "127.0.0.1:9"},
        http_port=free_port(),
        https_port=free_port(),
    )
    dead.start()
    try:
        status, headers, _ = request(
            dead.https_port, "/api/customers/", host=edge.project.answers["domain_name"], tls=True
        )
    finally:
        dead.stop()
    assert status == 502
    assert not SECURITY_HEADERS - set(headers)


@pytest.mark.parametrize("edge", [("defaults", SLOW_NGINX, {})], indirect=True)
def test_tls_at_nginx_redirects_plain_http_and_sends_hsts(edge):
    assert edge.tls
    status, headers, _ = request(edge.nginx.http_port, "/api/customers/?q=1", host="evil.test")
    assert status == 301
    # To the image's public origin, never to the Host the client sent.
    domain = edge.project.answers["domain_name"]
    assert headers["Location"] == f"https://{domain}/api/customers/?q=1"
    assert "Strict-Transport-Security" not in headers  # never over plain HTTP
    assert request(edge.nginx.http_port, "/healthz")[0] == 200  # the container's check
    status, headers, _ = edge.get("/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Django saw the request as HTTPS (no redirect loop) and set its own HSTS.
    status, headers, _ = edge.get("/api/customers/", client="127.0.0.11")
    assert status == 200
    assert "preload" in headers["Strict-Transport-Security"]


def test_the_local_stack_redirects_plain_http_to_its_published_https_port(render, tmp_path):
    project = render("defaults")
    frontend = compose.load(project.path / "docker-compose.yml", {})["services"]["frontend"]
    assert "127.0.0.1:8443:8443" in frontend["ports"]
    origin = frontend["environment"]["NGINX_PUBLIC_ORIGIN"]
    env = {"BACKEND_UPSTREAM": "127.0.0.1:9", "NGINX_PUBLIC_ORIGIN": origin}
    nginx = nginx_for(project, tmp_path, tmp_path / "html", **env)
    nginx.start()
    try:
        status, headers, _ = request(nginx.http_port, "/?page=2", host="localhost:8080")
    finally:
        nginx.stop()
    assert status == 301
    assert headers["Location"] == "https://localhost:8443/?page=2"


@pytest.mark.parametrize("name", ["defaults", "all-on"])  # TLS at nginx; at a load balancer
def test_nginx_redirects_to_a_directory_without_naming_its_own_port(name, render, tmp_path):
    project = render(name)
    nginx = nginx_for(project, tmp_path, tmp_path / "html", BACKEND_UPSTREAM="127.0.0.1:9")
    port = nginx.https_port or nginx.http_port
    host = project.answers["domain_name"]
    nginx.start()
    try:
        answers = {
            path: request(port, path, host=host, tls=nginx.https_port is not None)
            for path in ("/staff", "/api", "/static")
        }
    finally:
        nginx.stop()
    for path, (status, headers, _) in answers.items():
        # nginx's own answer for a location that ends in a slash; behind a
        # load balancer or a published port, its listen port is no one's.
        assert status == 301, (path, status)
        location = headers["Location"]
        assert location == f"{path}/", (path, location)
        assert urlsplit(location).port is None and str(port) not in location


@pytest.mark.parametrize("edge", [("all-on", SLOW_NGINX, {})], indirect=True)
def test_behind_a_load_balancer_only_it_may_say_https(edge):
    assert not edge.tls
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.20"}
    # From the trusted load balancer: served as HTTPS.
    status, headers, _ = edge.get("/api/customers/", client=LOAD_BALANCER, headers=https)
    assert status == 200
    assert "Strict-Transport-Security" in headers
    # From anyone else the header is ignored: plain HTTP, redirected by Django.
    status, headers, _ = edge.get("/api/customers/", client="127.0.0.2", headers=https)
    assert status == 301
    assert headers["Location"].startswith("https://")


# nginx's log-in budget as rendered (nginx_auth_rate 5r/m, nginx_auth_burst 5).
AUTH_BURST = 5


@pytest.mark.parametrize(
    "edge",
    [("defaults", {"NGINX_ADMIN_PATH": "/back-office/"}, {"DJANGO_ADMIN_PATH": "back-office/"})],
    indirect=True,
)
def test_log_in_paths_have_their_own_budget_and_the_admin_follows_its_path(edge):
    # The admin's log-in, at the path the deployment chose, on the log-in
    # budget: it sends the browser to the page's log-in (with the second
    # factor), to come back to the admin.
    codes = [edge.get("/back-office/login/", client="127.0.0.12") for _ in range(AUTH_BURST + 3)]
    assert [code for code, _, _ in codes] == [302] * (AUTH_BURST + 1) + [429] * 2
    assert codes[0][1]["Location"].startswith("/?next=")
    # The API's log-in has the same budget, per client address (allauth answers
    # 401 there: nobody is logged in)...
    session = "/api/auth/browser/v1/auth/session"
    codes = [edge.get(session, client="127.0.0.13")[0] for _ in range(AUTH_BURST + 3)]
    assert codes == [401] * (AUTH_BURST + 1) + [429] * 2
    # ...but what checks no secret is on the API's: the page asks for the
    # CSRF token and who is logged in more often than that.
    codes = [edge.get("/api/auth/csrf/", client="127.0.0.15")[0] for _ in range(AUTH_BURST + 3)]
    assert codes == [200] * (AUTH_BURST + 3)
    # The rest of the admin is on the API's budget; the usual path is only the page.
    assert edge.get("/back-office/", client="127.0.0.14")[0] == 302
    status, headers, body = edge.get("/admin/login/", client="127.0.0.14")
    assert status == 200
    assert headers["Cache-Control"] == "no-cache"  # index.html, not Django
    assert b"csrfmiddlewaretoken" not in body
