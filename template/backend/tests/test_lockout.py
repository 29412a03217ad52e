"""Brute force: failed log-ins lock out a username from one client address,
a client address guessing at many usernames, and brake the guessing at one
username from many addresses, without ever keeping its owner out."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.notices import locked_out_notice
from accounts.roles import EDITORS

from .conftest import PASSWORD
from .sessions import LOGIN, PASSWORD_CHANGE

pytestmark = pytest.mark.django_db

LIMIT = settings.LOGIN_FAILURE_LIMIT
CLIENT_LIMIT = settings.LOGIN_CLIENT_FAILURE_LIMIT
BRAKE = settings.LOGIN_USERNAME_BRAKE
LOCKED_OUT = {"detail": "Too many failed log-ins. Try again later."}


def log_in(username: str, password: str, address: str):
    return APIClient().post(
        LOGIN,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


@pytest.fixture
def ada(make_user):
    return make_user(EDITORS, username="ada")


def test_the_defaults_lock_out_after_a_few_failures_for_minutes():
    assert 3 <= LIMIT <= 10
    assert LIMIT < CLIENT_LIMIT <= 50
    assert LIMIT < BRAKE <= 50
    assert timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_guesses_at_a_username_lock_out_the_guesser_not_the_owner(ada):
    attacker, owner = "198.51.100.1", "203.0.113.77"
    codes = [log_in("ada", f"guess {n}", attacker).status_code for n in range(LIMIT)]
    assert codes == [400] * (LIMIT - 1) + [429]
    # The right password from the guessing address is refused...
    locked = log_in("ada", PASSWORD, attacker)
    assert locked.status_code == 429
    assert locked.json() == LOCKED_OUT
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "sessionid" not in locked.cookies
    # ...and keeps it refused, while the owner, from their own address, logs in.
    assert log_in("ada", f"guess {LIMIT}", attacker).status_code == 429
    assert log_in("ada", PASSWORD, owner).status_code == 200
    assert log_in("ada", PASSWORD, attacker).status_code == 429


def test_guesses_from_one_address_at_many_usernames_lock_the_address_out(ada):
    attacker = "198.51.100.9"
    codes = [log_in(f"user{n}", "guess", attacker).status_code for n in range(CLIENT_LIMIT)]
    assert codes == [400] * (CLIENT_LIMIT - 1) + [429]
    refused = log_in("ada", PASSWORD, attacker)
    assert refused.status_code == 429
    assert refused.json() == LOCKED_OUT
    assert int(refused["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert log_in("ada", PASSWORD, "198.51.100.10").status_code == 200


def test_guesses_at_a_username_from_many_addresses_are_braked_not_its_owner(ada):
    # Below the brake, each address has LIMIT tries; one failure each here.
    codes = [log_in("ada", f"guess {n}", f"198.51.100.{n}").status_code for n in range(BRAKE - 1)]
    assert codes == [400] * (BRAKE - 1)
    # Past it, a single failure locks an address out for that username...
    assert log_in("ada", "one more guess", "198.51.100.200").status_code == 429
    assert log_in("ada", PASSWORD, "198.51.100.200").status_code == 429
    # ...and so does one from before, the right password or not.
    assert log_in("ada", PASSWORD, "198.51.100.0").status_code == 429
    # The owner, from an address that has not failed, logs in at once.
    assert log_in("ada", PASSWORD, "203.0.113.5").status_code == 200
    # Other usernames are not braked.
    assert log_in("grace", "a guess", "198.51.100.201").status_code == 400


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_clients_behind_the_trusted_proxy_are_counted_apart(ada):
    for n in range(CLIENT_LIMIT):
        APIClient().post(
            LOGIN,
            {"username": f"user{n}", "password": "guess"},  # pragma: allowlist secret
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.1",
        )
    via_proxy = APIClient().post(
        LOGIN,
        {"username": "ada", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.2",
    )
    assert via_proxy.status_code == 200


def test_failures_below_the_limit_do_not_lock(ada):
    for n in range(LIMIT - 1):
        assert log_in("ada", f"guess {n}", "198.51.100.20").status_code == 400
    assert log_in("ada", PASSWORD, "198.51.100.20").status_code == 200


@override_settings(AXES_COOLOFF_TIME=timedelta(seconds=1))
def test_the_lock_out_ends_after_the_cool_off(ada):
    for n in range(LIMIT):
        log_in("ada", f"guess {n}", "198.51.100.30")
    assert log_in("ada", PASSWORD, "198.51.100.30").status_code == 429
    time.sleep(2.1)
    assert log_in("ada", PASSWORD, "198.51.100.30").status_code == 200


def test_the_commands_lift_a_lock_out_early(ada):
    for n in range(LIMIT):
        log_in("ada", f"guess {n}", "198.51.100.50")
    call_command("axes_reset_ip_username", "198.51.100.50", "ada")
    assert log_in("ada", PASSWORD, "198.51.100.50").status_code == 200
    for n in range(CLIENT_LIMIT):
        log_in(f"user{n}", "guess", "198.51.100.51")
    call_command("axes_reset_ip", "198.51.100.51")
    assert log_in("ada", PASSWORD, "198.51.100.51").status_code == 200


def test_a_lock_out_holds_for_the_admin_too(client, make_user):
    make_user(username="staffer", is_staff=True)
    for n in range(LIMIT):
        log_in("staffer", f"guess {n}", "192.0.2.1")
    # The admin has no log-in of its own: it sends everyone to the page's.
    credentials = {"username": "staffer", "password": PASSWORD}
    answer = client.post(reverse("admin:login"), credentials, REMOTE_ADDR="192.0.2.1")
    assert answer.status_code == 302
    assert "sessionid" not in client.cookies
    assert log_in("staffer", PASSWORD, "192.0.2.1").status_code == 429


def test_wrong_old_passwords_count_like_failed_log_ins(ada):
    browser = APIClient(REMOTE_ADDR="198.51.100.40")
    logged_in = browser.post(LOGIN, {"username": "ada", "password": PASSWORD}, format="json")
    assert logged_in.status_code == 200

    new = "another long and unguessable password"  # pragma: allowlist secret

    def change(current: str):
        return browser.post(
            PASSWORD_CHANGE, {"current_password": current, "new_password": new}, format="json"
        )

    codes = [change(f"guess {n}").status_code for n in range(LIMIT)]
    assert codes == [400] * (LIMIT - 1) + [429]
    refused = change(PASSWORD)
    assert refused.status_code == 429
    assert refused.json() == LOCKED_OUT
    assert int(refused["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)
    # The session's user from that address is locked out of the log-in too.
    assert log_in("ada", PASSWORD, "198.51.100.40").status_code == 429
    assert log_in("ada", PASSWORD, "198.51.100.41").status_code == 200


def test_the_owner_is_told_by_mail_once_a_cool_off(make_user, django_capture_on_commit_callbacks):
    lin = make_user(EDITORS, username="lin", email="lin@staff.example")
    notices = DBTaskResult.objects.filter(task_path="accounts.notices.locked_out_notice")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(LIMIT + 2):  # locked out, then refused twice more
            log_in("lin", f"tried {n} xyzzy", "198.51.100.31")
        for n in range(LIMIT):  # locked out from a second address
            log_in("lin", f"tried {n} xyzzy", "198.51.100.32")
        for n in range(LIMIT):  # a username nobody has: nobody to tell
            log_in("nobody-here", f"tried {n} xyzzy", "198.51.100.33")
    assert [task.args_kwargs for task in notices] == [{"args": [lin.pk], "kwargs": {}}]
    # The mail: what happened and where to log in, no address, no password.
    assert locked_out_notice.call(lin.pk) is True
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["lin@staff.example"]
    (html, _), *_ = message.alternatives
    assert isinstance(html, str)
    for part in (message.body, html):
        assert f"{settings.PUBLIC_ORIGIN}/" in part
        assert "198.51.100" not in part
        assert "xyzzy" not in part  # no password tried
