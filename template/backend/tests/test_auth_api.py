"""The page's log-in (django-allauth's JSON API for a browser): CSRF
bootstrap, log-in, who am I, log-out, password change, and the session's
lifetime."""

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
from .sessions import LOGIN, PASSWORD_CHANGE, csrf, current_csrf, log_in, log_out, post

pytestmark = pytest.mark.django_db

NEW = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


@pytest.fixture
def browser() -> APIClient:
    """A client that, like a browser, must send the CSRF token."""
    return APIClient(enforce_csrf_checks=True)


def test_log_in_rotates_session_and_csrf_token_and_me_says_who_and_what(browser, make_user):
    user = make_user(EDITORS, username="ada")
    csrf(browser)
    browser.session.save()  # an anonymous session that existed before the log-in
    before = {name: browser.cookies[name].value for name in ("sessionid", "csrftoken")}
    response = log_in(browser, "ada")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meta"]["is_authenticated"] is True
    assert body["data"]["user"]["username"] == "ada"
    for name, value in before.items():
        assert browser.cookies[name].value != value, name
    assert user.pk == int(Session.objects.get().get_decoded()["_auth_user_id"])
    me = browser.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json() == {
        "username": "ada",
        "groups": [EDITORS],
        "permissions": [
            "customers.add_customer",
            "customers.change_customer",
            "customers.view_customer",
        ],
        "second_factor": {"required": False, "enrolled": False},
    }
    # The new cookie's token (or a new bootstrap's) is the one to send from now on.
    created = browser.post(
        "/api/customers/", NEW, format="json", HTTP_X_CSRFTOKEN=current_csrf(browser)
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ada", "password": "wrong"},  # pragma: allowlist secret
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_bad_credentials_are_a_400_that_says_nothing_more(browser, make_user, payload):
    make_user(EDITORS, username="ada")
    response = post(browser, LOGIN, payload)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": "The username and/or password you specified are not correct.",
            "code": "username_password_mismatch",
            "param": "password",
        }
    ]
    assert browser.get("/api/auth/me/").status_code in (401, 403)


@pytest.mark.parametrize("payload", [{"username": "ada"}, {}])
def test_a_log_in_without_credentials_is_a_400(browser, make_user, payload):
    make_user(EDITORS, username="ada")
    response = post(browser, LOGIN, payload)
    assert response.status_code == 400
    assert {error["param"] for error in response.json()["errors"]} <= {"username", "password"}


def test_an_inactive_user_cannot_log_in(browser, make_user):
    make_user(EDITORS, username="ada", is_active=False)
    assert log_in(browser, "ada").status_code in (400, 401)
    assert browser.get("/api/auth/me/").status_code == 401


@pytest.mark.parametrize(
    "path", ["auth/signup", "auth/code/confirm", "account/email", "account/phone"]
)
def test_nobody_signs_up_or_uses_what_the_service_does_not_serve(browser, make_user, path):
    make_user(EDITORS, username="ada")
    body = {"username": "eve", "email": "eve@example.com", "password": PASSWORD, "code": "1"}
    assert post(browser, f"/api/auth/browser/v1/{path}", body).status_code == 404
    log_in(browser, "ada")
    assert post(browser, f"/api/auth/browser/v1/{path}", body).status_code == 404


def test_log_in_needs_the_csrf_token_and_a_refusal_is_json(browser, make_user):
    make_user(EDITORS, username="ada")
    csrf(browser)
    response = browser.post(LOGIN, {"username": "ada", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
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
    log_in(browser, "ada")
    token = current_csrf(browser)
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
    log_in(browser, "ada")
    stolen = browser.cookies["sessionid"].value
    assert browser.delete("/api/auth/browser/v1/auth/session").status_code == 403  # no CSRF token
    response = log_out(browser)
    assert response.status_code == 401
    assert response.json()["meta"]["is_authenticated"] is False
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = APIClient()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/api/customers/").status_code in (401, 403)


def test_password_change_checks_the_current_one_and_the_validators(browser, make_user):
    user = make_user(EDITORS, username="ada")
    log_in(browser, "ada")
    new = "another long and unguessable password"
    wrong = post(browser, PASSWORD_CHANGE, {"current_password": "nope", "new_password": new})
    assert wrong.status_code == 400
    assert [e["param"] for e in wrong.json()["errors"]] == ["current_password"]
    weak = post(
        browser, PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": "12345678"}
    )
    assert weak.status_code == 400
    assert {e["param"] for e in weak.json()["errors"]} == {"new_password"}
    done = post(browser, PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": new})
    assert done.status_code == 200, done.content
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
