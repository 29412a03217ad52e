"""Users, API tokens and browser-like clients for a running render.

Users and tokens are made the way the project's docs tell operators to make
them: with its management commands, under the deployment's settings. A
Client speaks to the edge as one client address, keeps cookies like a
browser, and sends the CSRF token and Origin a browser's page would.
"""

import json
import secrets
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import redis

from .backend import gunicorn
from .http import exchange
from .nginx import Nginx, dev_certificate
from .postgres import RUNTIME_USER, PostgresServer, free_port
from .totp import totp_code

PASSWORD = "a long passphrase nobody would guess"
# django-allauth's JSON API for the page.
HEADLESS = "/api/auth/browser/v1"
GROUPS = {
    "viewer": "customer viewers",
    "editor": "customer editors",
    "manager": "customer managers",
}
ROLES = list(GROUPS)
NEW = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
LOAD_BALANCER = "127.0.0.10"  # the proxy in front of nginx, whose X-Forwarded-For it believes


def manage(project, env: dict, *args: str, extra: dict | None = None) -> str:
    """A manage.py command under the given settings; its stdout."""
    result = project.run("python", "manage.py", *args, env={**env, **(extra or {})})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def create_user(project, env: dict, username: str, role: str) -> None:
    manage(
        project,
        env,
        "create_user",
        username,
        "--group",
        GROUPS[role],
        extra={"ACCESS_PASSWORD": PASSWORD},
    )


def issue_token(project, env: dict, username: str, directory: Path) -> str:
    output = directory / f"token-{username}-{secrets.token_hex(4)}"
    manage(project, env, "issue_api_token", username, "--days", "1", "--output", str(output))
    return output.read_text().strip()


def audit_trail(project, env: dict, customer_id: int) -> list[dict]:
    """The audit log entries of one customer, oldest first, as the admin shows them."""
    code = (
        "import json; from auditlog.models import LogEntry; "
        f"entries = LogEntry.objects.filter(object_pk='{customer_id}')"
        ".order_by('timestamp', 'pk'); "
        "print(json.dumps([{'action': e.get_action_display(), 'actor': e.actor.username "
        "if e.actor else None, 'address': e.remote_addr, 'changes': e.changes_dict} "
        "for e in entries]))"
    )
    return json.loads(manage(project, env, "shell", "-c", code).strip().splitlines()[-1])


@dataclass
class Entry:
    """Where clients reach the service: nginx, from a load balancer it trusts
    (``source``), or gunicorn directly, spoken to as nginx would."""

    port: int
    host: str
    tls: bool
    source: str | None = None

    def forwarding(self, address: str) -> dict[str, str]:
        """The headers that make a request come from ``address``."""
        headers = {"X-Forwarded-For": address}
        if not self.tls:
            headers["X-Forwarded-Proto"] = "https"
        return headers


class Client:
    """Requests to the service as one client address, with a cookie jar."""

    def __init__(self, entry: Entry, address: str, token: str | None = None):
        self.entry, self.address, self.token = entry, address, token
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def send(self, method: str, path: str, payload=None, *, csrf: str | None = None, **headers):
        headers = {**self.entry.forwarding(self.address), **headers}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("Origin", f"https://{self.entry.host}")
        if csrf:
            headers["X-CSRFToken"] = csrf
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        status, message, data = exchange(
            self.entry.port,
            path,
            host=self.entry.host,
            method=method,
            body=body,
            headers=headers,
            source=self.entry.source,
            tls=self.entry.tls,
        )
        for line in message.get_all("Set-Cookie") or []:
            self.set_cookies.append(line)
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return status, message, data

    def csrf(self) -> str:
        """The CSRF token the cookie holds now (the bootstrap sets it, a
        log-in makes a new one), as the page reads it."""
        if "csrftoken" not in self.cookies:
            status, _, body = self.send("GET", "/api/auth/csrf/")
            assert status == 200, body
        return self.cookies["csrftoken"]

    def log_in(self, username: str, password: str = PASSWORD):
        """The page's log-in (django-allauth's, for a browser): the CSRF
        bootstrap, then the log-in with its token."""
        credentials = {"username": username, "password": password}
        return self.send("POST", f"{HEADLESS}/auth/login", credentials, csrf=self.csrf())

    def log_out(self):
        return self.send("DELETE", f"{HEADLESS}/auth/session", csrf=self.csrf())

    def add_second_factor(self, password: str = PASSWORD) -> str:
        """Add an authenticator app as the page does, the password asked
        again first; its secret. Staff and managers need one under the
        production settings before the API serves their session."""
        again = {"password": password}
        path = f"{HEADLESS}/auth/reauthenticate"
        status, _, body = self.send("POST", path, again, csrf=self.csrf())
        assert status == 200, body
        status, _, body = self.send("GET", f"{HEADLESS}/account/authenticators/totp")
        assert status == 404, body  # none yet: the secret to show
        secret: str = json.loads(body)["meta"]["secret"]
        code = {"code": totp_code(secret)}
        status, _, body = self.send(
            "POST", f"{HEADLESS}/account/authenticators/totp", code, csrf=self.csrf()
        )
        assert status == 200, body
        return secret


class Service:
    """A render serving on loopback, with a user and an API token per role."""

    def __init__(self, project, env: dict, entry: Entry, postgres: PostgresServer, tmp: Path):
        self.project, self.env, self.entry, self.postgres, self.tmp = (
            project,
            env,
            entry,
            postgres,
            tmp,
        )
        self.logs = Path(env["DJANGO_LOG_DIR"])
        self.backend_log = tmp / "backend.log"
        self.tokens = {}
        for role in ROLES:
            create_user(project, env, role, role)
            self.tokens[role] = issue_token(project, env, role, tmp)
        self.created = 0

    def client(self, role: str | None = None, address: str = "203.0.113.1") -> Client:
        return Client(self.entry, address, self.tokens.get(role))

    def new_customer(self) -> dict:
        """A fresh customer, made by the manager."""
        self.created += 1
        payload = {**NEW, "email": f"c{self.created}@example.com", "phone": "+1 555 0100"}
        status, _, body = self.client("manager").send("POST", "/api/customers/", payload)
        assert status == 201, body
        return json.loads(body)

    def count(self) -> int:
        status, _, body = self.client("manager").send("GET", "/api/customers/?page_size=200")
        assert status == 200, body
        return len(json.loads(body)["results"])


@contextmanager
def serving(project, postgres: PostgresServer, redis_proc, tmp: Path):
    """gunicorn with production settings, behind the real nginx when the render
    has a frontend, on real PostgreSQL and Redis; yields a Service."""
    redis.Redis(host=redis_proc.host, port=redis_proc.port).flushall()
    # As deployed: the servers (and the operator's manage.py commands) as the
    # runtime role, the release step as the owner.
    owner_url = postgres.create_database(f"access_{project.name}")
    postgres.create_runtime_role(project.path / "database" / "runtime-role.sql")
    release = {"DATABASE_URL": owner_url, "DATABASE_RUNTIME_ROLE": RUNTIME_USER}
    env = project.production_env(
        tmp / "secrets",
        postgres.runtime_url(owner_url),
        f"redis://{redis_proc.host}:{redis_proc.port}/0",
    )
    env.update(
        DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
        DJANGO_LOG_DIR=str(tmp / "logs"),
        # Django's per-client limits out of the way: the tests make many requests.
        CUSTOMERS_CREATE_RATE="10000/h",
        CUSTOMERS_LIST_RATE="10000/h",
    )
    host = project.answers["domain_name"]
    with ExitStack() as stack:
        port = stack.enter_context(gunicorn(project, env, tmp / "backend.log", release=release))
        entry = Entry(port, host, tls=False)
        if project.answers["use_frontend"]:
            tls = project.answers["tls_termination"] == "nginx"
            settings = {
                "BACKEND_UPSTREAM": f"127.0.0.1:{port}",
                "TRUSTED_PROXY_RANGE": f"{LOAD_BALANCER}/32",
                # nginx's own limits out of the way: Django's are under test.
                "NGINX_API_RATE": "1000r/s",
                "NGINX_API_BURST": "1000",
                "NGINX_AUTH_RATE": "1000r/s",
                "NGINX_AUTH_BURST": "1000",
                **(dev_certificate(project.path, tmp / "tls") if tls else {}),
            }
            nginx = Nginx(
                frontend=project.path / "frontend",
                directory=tmp / "nginx",
                html=tmp / "html",
                env=settings,
                http_port=free_port(),
                https_port=free_port() if tls else None,
            )
            nginx.start()
            stack.callback(nginx.stop)
            entry = Entry(nginx.https_port or nginx.http_port, host, tls=tls, source=LOAD_BALANCER)
        yield Service(project, env, entry, postgres, tmp)
