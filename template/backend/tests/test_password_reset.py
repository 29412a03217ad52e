"""Password reset by a mailed link (django-allauth, headless): the same
answer, in the same time, whether an address has an account or not; the
key made by the worker, never stored, single use, void after a password
change or PASSWORD_RESET_TIMEOUT; requests limited per address and client."""

import logging
import re
import statistics
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.mails import password_reset_mail
from accounts.roles import EDITORS

from .sessions import HEADLESS, log_in, post

# A frontend of the team's own.
OWN_FRONTEND = "https://app.example/#/password?key={key}"  # pragma: allowlist secret

pytestmark = pytest.mark.django_db

REQUEST = f"{HEADLESS}/auth/password/request"
RESET = f"{HEADLESS}/auth/password/reset"
NEW_PASSWORD = "a brand new and unguessable password"  # pragma: allowlist secret


@pytest.fixture
def ada(make_user):
    return make_user(EDITORS, username="ada", email="ada@staff.example")


def ask(email: str, address: str = "198.51.100.7"):
    started = time.monotonic()
    browser = APIClient(enforce_csrf_checks=True)
    response = post(browser, REQUEST, {"email": email}, REMOTE_ADDR=address)
    return response, time.monotonic() - started


def mailed_key(user) -> str:
    """The key of the link the worker mails (its task run here)."""
    assert password_reset_mail.call(user.pk) is True
    (message,) = mail.outbox[-1:]
    (key,) = re.findall(rf"{re.escape(settings.PUBLIC_ORIGIN)}/#/reset/(\S+)", str(message.body))
    return str(key)


def reset(key: str, password: str = NEW_PASSWORD):
    return post(APIClient(enforce_csrf_checks=True), RESET, {"key": key, "password": password})


@override_settings(PASSWORD_RESET_URL=OWN_FRONTEND)
def test_the_link_goes_where_the_deployment_says(ada):
    """A frontend of the team's own (PASSWORD_RESET_URL) gets a working key."""
    assert password_reset_mail.call(ada.pk) is True
    (message,) = mail.outbox
    (key,) = re.findall(r"https://app\.example/#/password\?key=(\S+)", str(message.body))
    assert APIClient().get(RESET, HTTP_X_PASSWORD_RESET_KEY=key).status_code == 200


def test_known_and_unknown_addresses_get_the_same_answer(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known, _ = ask("ada@staff.example", "198.51.100.1")
        unknown, _ = ask("nobody@staff.example", "198.51.100.2")
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 200
    # One mail, for the address with an account, by the worker; nothing
    # secret in its task, which holds the user's id alone.
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "accounts.mails.password_reset_mail"
    assert task.args_kwargs == {"args": [ada.pk], "kwargs": {}}
    assert mail.outbox == []


def test_known_and_unknown_addresses_answer_in_the_same_time(ada):
    floor = settings.PASSWORD_RESET_ANSWER_SECONDS
    assert floor >= 0.2
    times: dict[str, list[float]] = {"ada@staff.example": [], "nobody@staff.example": []}
    for n in range(6):
        for email, measured in times.items():
            # A client address each: the rate limits are not what is measured.
            measured.append(ask(email, f"198.51.100.{len(measured) * 2 + n * 10}")[1])
    known, unknown = (statistics.median(measured) for measured in times.values())
    assert min(known, unknown) >= floor
    assert abs(known - unknown) < 0.05, (known, unknown)


def test_the_mailed_key_sets_a_new_password_once(ada):
    key = mailed_key(ada)
    checked = APIClient().get(RESET, HTTP_X_PASSWORD_RESET_KEY=key)
    assert checked.status_code == 200
    done = reset(key)
    # Done, and not logged in: the user logs in with the new password.
    assert done.status_code == 401, done.content
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert log_in(APIClient(enforce_csrf_checks=True), "ada", NEW_PASSWORD).status_code == 200
    again = reset(key, "yet another unguessable password")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "invalid_password_reset"


def test_a_password_change_voids_the_key(ada):
    key = mailed_key(ada)
    ada.set_password("changed in the meantime, long enough")
    ada.save()
    assert reset(key).status_code == 400


@override_settings(PASSWORD_RESET_TIMEOUT=1)
def test_an_expired_key_is_refused(ada):
    key = mailed_key(ada)
    time.sleep(2.1)
    assert reset(key).status_code == 400
    ada.refresh_from_db()
    assert not ada.check_password(NEW_PASSWORD)


def test_the_new_password_must_pass_the_validators(ada):
    refused = reset(mailed_key(ada), "12345678")
    assert refused.status_code == 400
    assert {error["param"] for error in refused.json()["errors"]} == {"password"}


def test_requests_are_limited_per_address_known_or_not(ada):
    for email in ("ada@staff.example", "nobody@staff.example"):
        codes = [ask(email, f"203.0.113.{n}")[0].status_code for n in range(4)]
        assert codes == [200, 200, 200, 429], email


def test_requests_are_limited_per_client_address(ada):
    codes = [ask(f"someone{n}@staff.example", "203.0.113.99")[0].status_code for n in range(11)]
    assert codes == [200] * 10 + [429]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_each_request_is_a_security_event_without_the_address(ada):
    security, records = logging.getLogger("security"), Records()
    security.addHandler(records)
    try:
        ask("ada@staff.example")
        ask("nobody@staff.example")
    finally:
        security.removeHandler(records)
    events = [(r.event, r.username, getattr(r, "known", True)) for r in records.records]  # type: ignore[attr-defined]
    assert events == [
        ("password_reset_requested", "ada", True),
        ("password_reset_requested", "", False),
    ]
    assert all("nobody" not in str(vars(record)) for record in records.records)
