"""The API as scripts and machine clients see it: the probes; anonymous
requests refused; each role by API token; a session log-in with CSRF; a
manager's second factor; a revoked token refused. Straight to gunicorn,
speaking as the proxy would."""

import secrets

from .backend import Backend
from .http_client import Client
from .postgres import Postgres
from .project import DOMAIN
from .report import check, step
from .seeding import last_name
from .totp import totp_code
from .users import User, issue_token

API = "/api/customers/"
AUTH = "/api/auth/"
# django-allauth's JSON API for the page.
HEADLESS = f"{AUTH}browser/v1/"
LOGIN = f"{HEADLESS}auth/login"
# What the TLS-terminating proxy tells the backend about each request.
PROXIED = {"Host": DOMAIN, "X-Forwarded-Proto": "https"}
# A browser's own header on a change; Django's CSRF check compares it.
ORIGIN = {"Origin": f"https://{DOMAIN}"}


def refused(answer) -> bool:
    """401 or 403, with a JSON detail and nothing of any customer."""
    body = answer.json()
    return (
        answer.status in (401, 403)
        and isinstance(body, dict)
        and set(body) == {"detail"}
        and b"@example.com" not in answer.body
    )


def probes(backend: Backend) -> None:
    step("Health probes")
    client = Client(backend.url)
    for path in ("/health/live/", "/health/ready/"):
        answer = client.get(path)
        check(answer.status == 200, f"{path} answers 200: {answer.body.decode()}")


def anonymous_is_refused(backend: Backend, database: Postgres) -> None:
    anyone = Client(backend.url, dict(PROXIED))
    some_id = database.psql("SELECT min(id) FROM customers")
    detail = f"{API}{some_id}/"
    answers = {
        "list": anyone.get(API),
        "search": anyone.get(f"{API}?search=a"),
        "create": anyone.post(API, {"first_name": "x", "last_name": "y", "email": "x@y.example"}),
        "read": anyone.get(detail),
        "change": anyone.patch(detail, {"company": "anonymous"}),
        "delete": anyone.delete(detail),
        "who am I": anyone.get(f"{AUTH}me/"),
    }
    wrong = {name: a.status for name, a in answers.items() if not refused(a)}
    check(wrong == {}, "anonymous requests are refused (401/403, a JSON detail, no data)")
    kept = database.psql(
        "SELECT count(*) FROM customers WHERE id = :id AND company <> 'anonymous'", id=some_id
    )
    check(kept == "1", "nothing was changed or deleted by them")


def roles_by_token(backend: Backend, database: Postgres, users: dict[str, User]) -> None:
    step("Each role through an API token")
    clients = {
        role: Client(backend.url, dict(PROXIED), token=issue_token(backend, user))
        for role, user in users.items()
    }
    editor, viewer, manager = clients["editor"], clients["viewer"], clients["manager"]
    listed = editor.get(f"{API}?page_size=5")
    check(listed.status == 200 and len(listed.json()["results"]) == 5, "the API lists customers")
    term = last_name(1)
    found = editor.get(f"{API}?search={term}").json()["results"]
    check(
        bool(found) and all(term in c["last_name"] for c in found),
        f"searching finds matching customers ({len(found)} on the first page)",
    )
    email = f"api-{secrets.token_hex(4)}@example.com"
    created = editor.post(API, {"first_name": "Ada", "last_name": "Token", "email": email})
    check(created.status == 201, "an editor creates a customer")
    path = f"{API}{created.json()['id']}/"
    changed = editor.patch(path, {"company": "Analytical Engines"})
    check(
        changed.status == 200 and changed.json()["company"] == "Analytical Engines",
        "an editor changes it",
    )
    deactivated = editor.patch(path, {"is_active": False})
    check(
        deactivated.status == 200 and deactivated.json()["is_active"] is False,
        "an editor deactivates it",
    )
    check(refused(editor.delete(path)), "an editor may not delete (403)")
    viewed = viewer.get(path)
    check(viewed.status == 200 and viewed.json()["email"] == email, "a viewer reads it")
    attempts = [
        viewer.post(API, {"first_name": "V", "last_name": "V", "email": f"v-{email}"}),
        viewer.patch(path, {"company": "viewer"}),
        viewer.delete(path),
    ]
    check(
        all(answer.status == 403 for answer in attempts),
        "a viewer may not create, change or delete (403)",
    )
    stored = database.psql(
        "SELECT count(*) FROM customers WHERE email = :'email' OR company = 'viewer'",
        email=f"v-{email}",
    )
    check(stored == "0", "nothing the viewer sent was written")
    check(manager.delete(path).status == 204, "a manager deletes it")
    check(editor.get(path).status == 404, "it is gone")
    backend.manage_or_fail("revoke_api_tokens", users["editor"].username)
    check(editor.get(API).status == 401, "a revoked token is refused (401)")


def session_with_csrf(backend: Backend, user: User) -> None:
    step("A session log-in with CSRF, as the page does")
    browser = Client(backend.url, {**PROXIED, **ORIGIN})
    credentials = {"username": user.username, "password": user.password}
    check(
        browser.post(LOGIN, credentials).status == 403,
        "a log-in without the CSRF token is refused (403)",
    )
    browser.csrf_token = browser.get(f"{AUTH}csrf/").json()["csrfToken"]
    wrong = browser.post(LOGIN, {**credentials, "password": "not-" + user.password})
    codes = [error["code"] for error in wrong.json().get("errors", [])]
    check(
        wrong.status == 400 and codes == ["username_password_mismatch"],
        "a wrong password is refused (400), saying no more than that",
    )
    logged_in = browser.post(LOGIN, credentials)
    check(
        logged_in.status == 200 and logged_in.json()["data"]["user"]["username"] == user.username,
        f"{user.username} logs in",
    )
    cookie = browser.set_cookies["sessionid"]
    check(
        bool(cookie["secure"])
        and bool(cookie["httponly"])
        and cookie["samesite"] in ("Lax", "Strict"),
        f"the session cookie is Secure, HttpOnly, SameSite={cookie['samesite']}",
    )
    session_id = browser.cookies["sessionid"]
    me = browser.get(f"{AUTH}me/").json()
    check(
        me["groups"] == [user.group] and "customers.view_customer" in me["permissions"],
        f"who am I: {me['username']}, {', '.join(me['groups'])}",
    )
    stale = browser.csrf_token
    browser.csrf_token = ""
    email = f"session-{secrets.token_hex(4)}@example.com"
    customer = {"first_name": "Ada", "last_name": "Session", "email": email}
    check(refused(browser.post(API, customer)), "a change without the CSRF token is refused (403)")
    browser.csrf_token = stale
    check(browser.post(API, customer).status == 403, "the token from before the log-in is void")
    # The log-in set a new token in the cookie, as the page reads it.
    browser.csrf_token = browser.cookies["csrftoken"]
    check(browser.post(API, customer).status == 201, "with the new token it is made")
    logged_out = browser.delete(f"{HEADLESS}auth/session")
    check(
        logged_out.status == 401 and logged_out.json()["meta"]["is_authenticated"] is False,
        "logging out",
    )
    check(refused(browser.get(f"{AUTH}me/")), "after log-out nobody is logged in")
    replay = Client(backend.url, dict(PROXIED), cookies={"sessionid": session_id})
    check(
        refused(replay.get(API)), "the old session cookie no longer works: it ended on the server"
    )


def manager_second_factor(backend: Backend, user: User) -> None:
    step("A manager's second factor, added through the page's API")
    browser = Client(backend.url, {**PROXIED, **ORIGIN})
    browser.csrf_token = browser.get(f"{AUTH}csrf/").json()["csrfToken"]
    credentials = {"username": user.username, "password": user.password}
    check(browser.post(LOGIN, credentials).status == 200, f"{user.username} logs in")
    browser.csrf_token = browser.cookies["csrftoken"]
    blocked = browser.get(API)
    check(
        blocked.status == 403 and blocked.json().get("code") == "second_factor_required",
        "the API asks a manager for a second factor first (403)",
    )
    me = browser.get(f"{AUTH}me/").json()
    check(
        me["second_factor"] == {"required": True, "enrolled": False},
        "who am I says a second factor is needed",
    )
    totp = f"{HEADLESS}account/authenticators/totp"
    again = browser.post(f"{HEADLESS}auth/reauthenticate", {"password": user.password})
    check(again.status == 200, "the password is asked again before adding one")
    secret = browser.get(totp).json()["meta"]["secret"]
    added = browser.post(totp, {"code": totp_code(secret)})
    check(added.status == 200, "an authenticator app is added with its first code")
    check(browser.get(API).status == 200, "then the API serves the manager")
    browser.delete(f"{HEADLESS}auth/session")
    later = Client(backend.url, {**PROXIED, **ORIGIN})
    later.csrf_token = later.get(f"{AUTH}csrf/").json()["csrfToken"]
    pending = later.post(LOGIN, credentials)
    flows = [flow["id"] for flow in pending.json()["data"]["flows"] if flow.get("is_pending")]
    check(
        pending.status == 401 and flows == ["mfa_authenticate"],
        "the next log-in asks for a code after the password",
    )
    check(refused(later.get(API)), "the password alone opens nothing")


def api_flows(backend: Backend, database: Postgres, users: dict[str, User]) -> None:
    probes(backend)
    step("The API refuses anonymous clients")
    anonymous_is_refused(backend, database)
    roles_by_token(backend, database, users)
    session_with_csrf(backend, users["editor"])
    manager_second_factor(backend, users["manager"])
