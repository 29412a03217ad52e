"""Identity and access as deployed: gunicorn with production settings, behind
the real nginx where the render has one, with real PostgreSQL and Redis.

Nobody reads or changes a customer without logging in; each role does what
its permissions allow and nothing more; sessions need CSRF tokens; API
tokens expire and can be revoked; and no render serves its API to anonymous
clients."""

import json
import subprocess
from base64 import b64encode

import pytest

from support.access import NEW, PASSWORD, ROLES, Client, create_user, issue_token, manage
from support.backups import libpq_env

# Every endpoint and method of the customers API, and the permission it needs.
# A body with an e-mail gets one of its own per request ({n}).
OPERATIONS = [
    ("GET", "list", None, "view"),
    ("HEAD", "list", None, "view"),
    ("OPTIONS", "list", None, "view"),
    ("POST", "list", {**NEW, "email": "new-{n}@example.com"}, "add"),
    ("GET", "detail", None, "view"),
    ("HEAD", "detail", None, "view"),
    ("OPTIONS", "detail", None, "view"),
    ("PUT", "detail", {**NEW, "email": "put-{n}@example.com"}, "change"),
    ("PATCH", "detail", {"is_active": False}, "change"),
    ("DELETE", "detail", None, "delete"),
]
ALLOWED = {
    None: set(),
    "viewer": {"view"},
    "editor": {"view", "add", "change"},
    "manager": {"view", "add", "change", "delete"},
}
SUCCESS = {"GET": 200, "HEAD": 200, "OPTIONS": 200, "POST": 201, "PUT": 200, "PATCH": 200}


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
@pytest.mark.parametrize(("method", "endpoint", "payload", "needs"), OPERATIONS)
def test_each_endpoint_and_method_by_role(access_service, role, method, endpoint, payload, needs):
    service = access_service
    customer = service.new_customer()
    detail = f"/api/customers/{customer['id']}/"
    path = "/api/customers/" if endpoint == "list" else detail
    if payload and "email" in payload:
        payload = {**payload, "email": payload["email"].format(n=customer["id"])}
    before = service.count()
    status, headers, body = service.client(role).send(method, path, payload)
    after = service.client("manager").send("GET", detail)
    if needs in ALLOWED[role]:
        assert status == SUCCESS.get(method, 204), body
        if method == "GET":
            assert customer["email"].encode() in body
        if method == "DELETE":
            assert after[0] == 404
        if method in ("PUT", "PATCH"):
            assert json.loads(after[2])["updated_at"] > customer["updated_at"]
        return
    assert status == (401 if role is None else 403), body
    if method != "HEAD":
        assert headers["Content-Type"] == "application/json"
        assert set(json.loads(body)) == {"detail"}
    assert customer["email"].encode() not in body
    assert customer["phone"].encode() not in body
    # Nothing was written.
    assert service.count() == before
    assert after[0] == 200 and json.loads(after[2]) == customer


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_session_needs_the_csrf_token_for_every_change(access_service, method):
    service = access_service
    customer = service.new_customer()
    browser = service.client(address="203.0.113.20")
    # A manager of its own: each adds a second factor at the first log-in.
    manager = f"manager-{method.lower()}"
    create_user(service.project, service.env, manager, "manager")
    status, _, body = browser.log_in(manager)
    assert status == 200, body
    # A manager adds a second factor before anything else (production settings).
    status, _, body = browser.send("GET", "/api/customers/")
    assert (status, json.loads(body)["code"]) == (403, "second_factor_required")
    browser.add_second_factor()
    token = browser.csrf()
    path = "/api/customers/" if method == "POST" else f"/api/customers/{customer['id']}/"
    payload = {
        "POST": {**NEW, "email": f"csrf-{customer['id']}@example.com"},
        "PUT": {**NEW, "email": f"put-{customer['id']}@example.com"},
        "PATCH": {"company": "Navy"},
        "DELETE": None,
    }[method]
    before = service.count()
    for forged in (None, "x" * 64):
        status, _, body = browser.send(method, path, payload, csrf=forged)
        assert status == 403, body
        assert b"CSRF" in body
    # The right token from another site's page is refused too.
    status, _, _ = browser.send(method, path, payload, csrf=token, Origin="https://evil.example")
    assert status == 403
    assert service.count() == before
    status, _, body = browser.send(method, path, payload, csrf=token)
    assert status in (200, 201, 204), body


def test_log_in_sets_protected_cookies_and_log_out_ends_the_session(access_service):
    service = access_service
    browser = service.client(address="203.0.113.21")
    status, _, body = browser.log_in("editor")
    assert status == 200, body
    assert json.loads(body)["data"]["user"]["username"] == "editor"
    status, _, body = browser.send("GET", "/api/auth/me/")
    assert json.loads(body)["groups"] == ["customer editors"]
    cookies = {line.split("=", 1)[0]: line.lower() for line in browser.set_cookies}
    for attribute in ("secure", "httponly", "samesite=lax"):
        assert f"; {attribute}" in cookies["sessionid"], cookies["sessionid"]
    for attribute in ("secure", "samesite=lax"):
        assert f"; {attribute}" in cookies["csrftoken"], cookies["csrftoken"]
    assert browser.send("GET", "/api/customers/")[0] == 200
    stolen = browser.cookies["sessionid"]
    status, _, body = browser.log_out()
    assert status == 401  # allauth's "nobody is logged in"
    assert json.loads(body)["meta"]["is_authenticated"] is False
    replay = service.client(address="203.0.113.21")
    replay.cookies["sessionid"] = stolen
    assert replay.send("GET", "/api/customers/")[0] == 401
    assert replay.send("GET", "/api/auth/me/")[0] == 401


def test_tokens_work_until_revoked_or_expired_and_are_stored_hashed(access_service):
    service = access_service
    project, env = service.project, service.env
    create_user(project, env, "importer", "editor")
    first = issue_token(project, env, "importer", service.tmp)
    second = issue_token(project, env, "importer", service.tmp)
    importer = Client(service.entry, "203.0.113.30", first)
    status, _, body = importer.send("GET", "/api/auth/me/")
    assert status == 200 and json.loads(body)["username"] == "importer"

    dump = subprocess.run(
        [service.postgres.bindir / "pg_dump", "--data-only"],
        env=libpq_env(service.postgres, service.env["DATABASE_URL"]),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "knox_authtoken" in dump
    assert first not in dump and second not in dump
    assert service.tokens["manager"] not in dump

    # Expired through Django (save() sends the signal that makes the access
    # cache forget the token); an UPDATE around Django takes effect within
    # API_AUTH_CACHE_SECONDS instead (tests/test_cached_access.py, rendered).
    expire = (
        "from django.utils import timezone; from knox.models import AuthToken\n"
        "for token in AuthToken.objects.filter(user__username='importer'):\n"
        "    token.expiry = timezone.now()\n"
        "    token.save()"
    )
    manage(project, env, "shell", "-c", expire)
    assert importer.send("GET", "/api/customers/")[0] == 401
    third = issue_token(project, env, "importer", service.tmp)
    assert Client(service.entry, "203.0.113.30", third).send("GET", "/api/customers/")[0] == 200
    manage(project, env, "revoke_api_tokens", "importer")
    status, headers, body = Client(service.entry, "203.0.113.30", third).send(
        "GET", "/api/customers/"
    )
    assert status == 401
    assert headers["WWW-Authenticate"] == "Token"
    assert set(json.loads(body)) == {"detail"}


def test_http_basic_is_refused(access_service):
    service = access_service
    basic = b64encode(f"manager:{PASSWORD}".encode()).decode()
    status, _, _ = service.client().send("GET", "/api/customers/", Authorization=f"Basic {basic}")
    assert status == 401
