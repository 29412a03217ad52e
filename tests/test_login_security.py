"""Brute force, the security log and the audit trail, as deployed (the stack
of support.access.serving), and a check of every render's API as deployed:
none answers anonymous clients."""

import json

from support.access import NEW, PASSWORD, Client, audit_trail, create_user, issue_token

# The deployed settings' defaults (LOGIN_FAILURE_LIMIT, LOGIN_CLIENT_FAILURE_LIMIT,
# LOGIN_USERNAME_BRAKE, LOGIN_LOCKOUT_SECONDS).
LIMIT = 5
CLIENT_LIMIT = 20
BRAKE = 10
LOCKOUT_SECONDS = 900
WRONG = "wrong-password-marker-"


def log_lines(service) -> list[dict]:
    """Every line of every log the service wrote, each one parsed as JSON."""
    lines = []
    files = [service.backend_log, *sorted(service.logs.glob("*.log"))]
    nginx_log = service.tmp / "nginx" / "access.log"
    if nginx_log.exists():
        files.append(nginx_log)
    for path in files:
        for line in path.read_text().splitlines():
            lines.append({**json.loads(line), "file": path.name})
    return lines


def security_events(service, username: str) -> list[tuple[str, str]]:
    events = [
        line
        for line in log_lines(service)
        if line["file"] == "security.log" and line.get("username") == username
    ]
    return [(line["event"], line["client"]) for line in events]


def test_guesses_at_a_username_lock_out_the_guesser_not_its_owner(access_service):
    service = access_service
    create_user(service.project, service.env, "target", "editor")
    attacker = "198.51.100.1"
    codes = [
        Client(service.entry, attacker).log_in("target", f"{WRONG}{n}")[0] for n in range(LIMIT)
    ]
    assert codes == [400] * (LIMIT - 1) + [429]
    # The right password, from the guessing address: refused.
    browser = Client(service.entry, attacker)
    status, headers, body = browser.log_in("target", PASSWORD)
    assert status == 429
    assert int(headers["Retry-After"]) == LOCKOUT_SECONDS
    assert json.loads(body) == {"detail": "Too many failed log-ins. Try again later."}
    assert "sessionid" not in browser.cookies
    assert browser.send("GET", "/api/auth/me/")[0] == 401
    # The owner, from their own address, logs in.
    owner = Client(service.entry, "203.0.113.50")
    status, _, body = owner.log_in("target", PASSWORD)
    assert status == 200, body
    assert owner.send("GET", "/api/auth/me/")[0] == 200

    events = security_events(service, "target")
    failed = [client for event, client in events if event == "login_failed"]
    assert failed == [attacker] * (LIMIT + 1)
    assert [client for event, client in events if event == "locked_out"] == [attacker] * 2
    assert [client for event, client in events if event == "login"] == ["203.0.113.50"]


def test_guesses_from_many_addresses_are_braked_not_the_owner(access_service):
    service = access_service
    create_user(service.project, service.env, "braked", "editor")
    codes = [
        Client(service.entry, f"198.51.100.{n}").log_in("braked", f"{WRONG}{n}")[0]
        for n in range(BRAKE)
    ]
    # Past the brake, the first failure from an address locks it out.
    assert codes == [400] * (BRAKE - 1) + [429]
    assert Client(service.entry, "198.51.100.0").log_in("braked")[0] == 429
    status, _, body = Client(service.entry, "203.0.113.51").log_in("braked")
    assert status == 200, body


def test_guesses_from_one_address_lock_that_address_out(access_service):
    service = access_service
    create_user(service.project, service.env, "bystander", "viewer")
    attacker = "198.51.100.77"
    codes = [
        Client(service.entry, attacker).log_in(f"guess{n}", f"{WRONG}{n}")[0]
        for n in range(CLIENT_LIMIT)
    ]
    assert codes == [400] * (CLIENT_LIMIT - 1) + [429]
    assert Client(service.entry, attacker).log_in("bystander")[0] == 429
    # The account itself is not locked: from elsewhere it logs in.
    status, _, body = Client(service.entry, "203.0.113.60").log_in("bystander")
    assert status == 200, body
    assert ("login", "203.0.113.60") in security_events(service, "bystander")


def test_every_log_line_is_json_and_no_password_is_in_any(access_service):
    service = access_service
    # A log-in, a failure and a log-out of its own, so there is something to read.
    create_user(service.project, service.env, "auditor", "viewer")
    Client(service.entry, "203.0.113.61").log_in("auditor", WRONG + "x")
    browser = Client(service.entry, "203.0.113.61")
    assert browser.log_in("auditor")[0] == 200
    browser.log_out()
    lines = log_lines(service)  # parsing every line is the first check
    assert {"backend.log", "security.log", "application.log"} <= {line["file"] for line in lines}
    assert [event for event, _ in security_events(service, "auditor")] == [
        "user_created",  # by manage.py create_user
        "login_failed",
        "login",
        "logout",
    ]
    everything = json.dumps(lines)
    assert WRONG not in everything
    assert PASSWORD not in everything
    assert not any(token in everything for token in service.tokens.values())


def test_the_audit_trail_names_each_actor_address_and_change(access_service):
    service = access_service
    project, env = service.project, service.env
    create_user(project, env, "author", "editor")
    create_user(project, env, "reviser", "editor")
    author = Client(service.entry, "192.0.2.11", issue_token(project, env, "author", service.tmp))
    status, _, body = author.send("POST", "/api/customers/", {**NEW, "email": "trail@example.com"})
    assert status == 201, body
    customer = json.loads(body)
    detail = f"/api/customers/{customer['id']}/"
    # The update by session, through the page's log-in, with its CSRF token.
    reviser = Client(service.entry, "192.0.2.12")
    status, _, body = reviser.log_in("reviser")
    assert status == 200
    change = {"company": "US Navy", "is_active": False}
    status, _, _ = reviser.send("PATCH", detail, change, csrf=reviser.csrf())
    assert status == 200
    assert service.client("manager", "192.0.2.13").send("DELETE", detail)[0] == 204

    create, update, delete = audit_trail(project, env, customer["id"])
    assert [(e["action"], e["actor"], e["address"]) for e in (create, update, delete)] == [
        ("create", "author", "192.0.2.11"),
        ("update", "reviser", "192.0.2.12"),
        ("delete", "manager", "192.0.2.13"),
    ]
    assert create["changes"]["email"] == [None, "trail@example.com"]
    assert update["changes"] == {"company": ["", "US Navy"], "is_active": [True, False]}
    assert delete["changes"]["email"] == ["trail@example.com", None]


# Runs inside a render under its production settings: every URL under /api/,
# every method, as an anonymous client; prints what answered anything else.
OPEN_API_PROBE = """
import json
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.urls import NOT_SERVED

def named(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if not route.startswith("api/"):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named(pattern, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern.pattern.regex.groupindex

# The CSRF bootstrap and django-allauth's log-in, its second step, log-out
# (auth/session, which also says whether anyone is logged in), password
# reset and configuration, and an invitation's check and accept (its key is
# the credential): open to anyone, by design (tested elsewhere).
HEADLESS = "/api/auth/browser/v1/"
public = {"/api/auth/csrf/", "/api/auth/invitation/check/", "/api/auth/invitation/accept/"} | {
    HEADLESS + path for path in (
        "config", "auth/login", "auth/2fa/authenticate", "auth/session",
        "auth/password/request", "auth/password/reset", *NOT_SERVED)}
# An empty database: an endpoint that reached for data would answer 500.
client = Client(raise_request_exception=False, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=DOMAIN)
urls = {reverse(n, kwargs={a: "json" if a == "format" else "1" for a in args})
        for n, args in named(get_resolver())}
answers = {}
for url in sorted(urls - public):
    for method in ("get", "head", "options", "post", "put", "patch", "delete"):
        answers[f"{method.upper()} {url}"] = getattr(client, method)(url).status_code
print(json.dumps(answers))
"""


def test_no_render_serves_its_api_to_anonymous_clients(project, tmp_path, redis_url):
    env = project.production_env(tmp_path / "secrets", f"sqlite:///{tmp_path / 'empty.db'}")
    if project.answers["use_redis"]:
        env["REDIS_URL"] = redis_url
    env["DJANGO_TRUSTED_PROXIES"] = "127.0.0.1/32"  # the test client speaks as the proxy
    probe = OPEN_API_PROBE.replace("DOMAIN", repr(project.answers["domain_name"]))
    result = project.run("python", "manage.py", "shell", "--no-imports", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert "GET /api/customers/" in answers and "DELETE /api/customers/1/" in answers
    assert "GET /api/auth/me/" in answers
    assert "POST /api/auth/browser/v1/account/password/change" in answers
    # 405: a method the endpoint has not, answered before anything else.
    assert {k: v for k, v in answers.items() if v not in (401, 403, 405)} == {}
