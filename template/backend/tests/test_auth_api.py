"""The page's log-in: CSRF bootstrap, log-in, who am I, log-out, password change,
and the session's lifetime."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.middleware import LOGGED_IN_AT
from accounts.roles import EDITORS, MANAGERS
from customers.models import Customer

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


@pytest.fixture
def browser() -> APIClient:
    """A client that, like a browser, must send the CSRF token."""
    return APIClient(enforce_csrf_checks=True)


def csrf(client: APIClient) -> str:
    response = client.get("/api/auth/csrf/")
    assert response.status_code == 200
    token: str = response.json()["csrfToken"]
    assert client.cookies["csrftoken"].value
    return token


def log_in(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return client.post(
        "/api/auth/login/",
        {"username": username, "password": password},
        format="json",
        HTTP_X_CSRFTOKEN=csrf(client),
        **extra,
    )


def test_log_in_answers_who_and_what_and_rotates_session_and_csrf_token(browser, make_user):
    user = make_user(EDITORS, username="ada")
    csrf(browser)
    browser.session.save()  # an anonymous session that existed before the log-in
    before = {name: browser.cookies[name].value for name in ("sessionid", "csrftoken")}
    response = log_in(browser, "ada")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "ada"
    assert body["groups"] == [EDITORS]
    assert body["permissions"] == [
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_customer",
    ]
    for name, value in before.items():
        assert browser.cookies[name].value != value, name
    assert user.pk == int(Session.objects.get().get_decoded()["_auth_user_id"])
    me = browser.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json() == {k: v for k, v in body.items() if k != "csrfToken"}
    # The answer's token is the one to send from now on.
    created = browser.post(
        "/api/customers/", NEW, format="json", HTTP_X_CSRFTOKEN=body["csrfToken"]
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ada", "password": "wrong"},  # pragma: allowlist secret
        {"username": "nobody", "password": PASSWORD},
        {"username": "ada"},
        {},
    ],
)
def test_bad_credentials_are_a_400_that_says_nothing_more(browser, make_user, payload):
    make_user(EDITORS, username="ada")
    response = browser.post(
        "/api/auth/login/", payload, format="json", HTTP_X_CSRFTOKEN=csrf(browser)
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid username or password."}
    assert browser.get("/api/auth/me/").status_code in (401, 403)


def test_an_inactive_user_cannot_log_in(browser, make_user):
    make_user(EDITORS, username="ada", is_active=False)
    assert log_in(browser, "ada").status_code == 400


def test_log_in_needs_the_csrf_token(browser, make_user):
    make_user(EDITORS, username="ada")
    csrf(browser)
    response = browser.post(
        "/api/auth/login/", {"username": "ada", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert "sessionid" not in browser.cookies


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("post", NEW),
        ("put", {**NEW, "email": "g2@example.com"}),
        ("patch", {"company": "Navy"}),
        ("delete", None),
    ],
)
def test_a_session_needs_the_csrf_token_for_every_change(
    browser, make_user, make_customer, method, body
):
    customer = make_customer()
    make_user(MANAGERS, username="ada")
    token = log_in(browser, "ada").json()["csrfToken"]
    url = "/api/customers/" if method == "post" else f"/api/customers/{customer.pk}/"
    send = getattr(browser, method)
    refused = send(url, body, format="json") if body else send(url)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert customer.company == ""
    forged = {"HTTP_X_CSRFTOKEN": "x" * 64}
    assert (
        send(url, body, format="json", **forged) if body else send(url, **forged)
    ).status_code == 403
    accepted = (
        send(url, body, format="json", HTTP_X_CSRFTOKEN=token)
        if body
        else send(url, HTTP_X_CSRFTOKEN=token)
    )
    assert accepted.status_code in (200, 201, 204), accepted.content


def test_log_out_ends_the_session_on_the_server(browser, make_user):
    make_user(EDITORS, username="ada")
    token = log_in(browser, "ada").json()["csrfToken"]
    stolen = browser.cookies["sessionid"].value
    assert browser.post("/api/auth/logout/").status_code == 403  # no CSRF token
    response = browser.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 204
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = APIClient()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/api/customers/").status_code in (401, 403)


def test_password_change_checks_the_old_one_and_the_validators(browser, make_user):
    user = make_user(EDITORS, username="ada")
    token = log_in(browser, "ada").json()["csrfToken"]
    url = "/api/auth/password/"
    headers = {"HTTP_X_CSRFTOKEN": token}
    passwords = {"old_password": "nope", "new_password": "x"}  # pragma: allowlist secret
    wrong = browser.post(url, passwords, format="json", **headers)
    assert wrong.status_code == 400
    assert "old_password" in wrong.json()
    weak = browser.post(
        url, {"old_password": PASSWORD, "new_password": "12345678"}, format="json", **headers
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()
    new = "another long and unguessable password"
    done = browser.post(
        url, {"old_password": PASSWORD, "new_password": new}, format="json", **headers
    )
    assert done.status_code == 204
    user.refresh_from_db()
    assert user.check_password(new)
    assert browser.get("/api/auth/me/").status_code == 200  # this session goes on


def test_anonymous_me_is_a_401(anonymous):
    response = anonymous.get("/api/auth/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_an_idle_session_expires(browser, make_user):
    make_user(EDITORS, username="ada")
    log_in(browser, "ada")
    assert settings.SESSION_SAVE_EVERY_REQUEST
    session = Session.objects.get()
    assert (session.expire_date.timestamp() - time.time()) == pytest.approx(
        settings.SESSION_IDLE_SECONDS, abs=5
    )


@override_settings(SESSION_ABSOLUTE_SECONDS=60)
def test_a_session_ends_at_its_absolute_lifetime_however_active(browser, make_user):
    make_user(EDITORS, username="ada")
    log_in(browser, "ada")
    assert browser.get("/api/customers/").status_code == 200
    session = browser.session
    session[LOGGED_IN_AT] -= 61
    session.save()
    assert browser.get("/api/customers/").status_code == 401
    assert not Session.objects.exists()
