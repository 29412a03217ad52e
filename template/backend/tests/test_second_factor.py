"""The second factor: an authenticator app (TOTP) and recovery codes, asked
at every log-in of whoever has one, added through the page's API after a
fresh password check, and required of some users before anything else."""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import EDITORS, MANAGERS

from .conftest import PASSWORD
from .sessions import (
    HEADLESS,
    REAUTHENTICATE,
    SECOND_FACTOR,
    TOTP,
    add_totp,
    log_in,
    post,
    totp_code,
)

pytestmark = pytest.mark.django_db

REQUIRED = {
    "detail": "Add a second factor (an authenticator app) to your account first.",
    "code": "second_factor_required",
}


@pytest.fixture
def browser() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


def enrol(browser: APIClient) -> str:
    """Add an authenticator app as the page does; its secret."""
    assert post(browser, REAUTHENTICATE, {"password": PASSWORD}).status_code == 200
    setup = browser.get(TOTP)
    assert setup.status_code == 404  # none yet: the secret to show
    meta = setup.json()["meta"]
    assert meta["totp_url"].startswith("otpauth://totp/")
    secret: str = meta["secret"]
    activated = post(browser, TOTP, {"code": totp_code(secret)})
    assert activated.status_code == 200, activated.content
    return secret


def test_a_user_with_an_authenticator_app_gets_no_session_by_the_password_alone(
    browser, make_user, client
):
    """Every way in with a password stops at the second factor (the study's
    first risk): allauth's log-in, the admin's log-in page, the old API
    log-in, Django's own log-in views."""
    user = make_user(EDITORS, username="ada", is_staff=True)
    add_totp(user)
    pending = log_in(browser, "ada")
    assert pending.status_code == 401
    assert browser.get("/api/auth/me/").status_code == 401
    assert browser.get("/api/customers/").status_code in (401, 403)
    credentials = {"username": "ada", "password": PASSWORD}
    for path in (reverse("admin:login"), "/api/auth/login/", "/accounts/login/"):
        anyone = APIClient()
        anyone.post(path, credentials, format="json")
        assert anyone.get("/api/auth/me/").status_code == 401, path
    # Where there is no page, allauth's HTML log-in form (accounts.admin_urls).
    for path in [] if settings.HEADLESS_ONLY else [reverse("account_login")]:
        anyone = APIClient()
        password_step = anyone.post(path, {"login": "ada", "password": PASSWORD})
        assert password_step["Location"] == reverse("mfa_authenticate")
        assert anyone.get("/api/auth/me/").status_code == 401, path
    assert all("_auth_user_id" not in session.get_decoded() for session in Session.objects.all())


def test_a_log_in_asks_for_the_code_and_a_wrong_one_is_refused(browser, make_user):
    user = make_user(EDITORS, username="ada")
    secret = add_totp(user)
    assert log_in(browser, "ada").status_code == 401
    right = totp_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = post(browser, SECOND_FACTOR, {"code": wrong})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "incorrect_code"
    assert post(browser, SECOND_FACTOR, {"code": right}).status_code == 200
    assert browser.get("/api/auth/me/").json()["second_factor"] == {
        "required": False,
        "enrolled": True,
    }


def test_adding_an_authenticator_app_needs_the_password_again(browser, make_user):
    make_user(EDITORS, username="ada")
    assert log_in(browser, "ada").status_code == 200
    secret = browser.get(TOTP).json()["meta"]["secret"]
    refused = post(browser, TOTP, {"code": totp_code(secret)})
    assert refused.status_code == 401
    assert [flow["id"] for flow in refused.json()["data"]["flows"]] == ["reauthenticate"]
    assert not Authenticator.objects.exists()
    secret = enrol(browser)
    (app,) = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert app.data["secret"] == secret
    codes = browser.get(f"{HEADLESS}/account/authenticators/recovery-codes")
    assert codes.status_code == 200
    assert len(codes.json()["data"]["unused_codes"]) > 0
    # Shown once.
    again = browser.get(f"{HEADLESS}/account/authenticators/recovery-codes")
    assert "unused_codes" not in again.json().get("data", {})


@override_settings(SECOND_FACTOR_FOR_STAFF=True)
@pytest.mark.parametrize(
    "fields", [{"group": MANAGERS}, {"group": EDITORS, "is_staff": True}], ids=["manager", "staff"]
)
def test_staff_and_managers_must_add_one_before_anything_else(browser, make_user, fields):
    make_user(username="ada", **fields)
    assert log_in(browser, "ada").status_code == 200
    me = browser.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["second_factor"] == {"required": True, "enrolled": False}
    refused = browser.get("/api/customers/")
    assert refused.status_code == 403
    assert refused.json() == REQUIRED
    assert browser.get("/api/schema/").json() == REQUIRED
    assert browser.get(f"{HEADLESS}/config").status_code == 200
    enrol(browser)
    assert browser.get("/api/customers/").status_code == 200
    # The next log-in asks for the code (a new one: each is used once).
    again = APIClient(enforce_csrf_checks=True)
    assert log_in(again, "ada").status_code == 401


def test_others_need_none_unless_everyone_does(browser, make_user, settings):
    settings.SECOND_FACTOR_FOR_STAFF = True
    make_user(EDITORS, username="ada")
    log_in(browser, "ada")
    assert browser.get("/api/customers/").status_code == 200
    settings.SECOND_FACTOR_FOR_EVERYONE = True
    assert browser.get("/api/customers/").json() == REQUIRED


def test_api_tokens_are_not_concerned(make_user, settings):
    from knox.models import AuthToken

    settings.SECOND_FACTOR_FOR_EVERYONE = True
    _, token = AuthToken.objects.create(make_user(MANAGERS))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/customers/").status_code == 200
