"""Brute force: failed log-ins are limited per client address and per username."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import EDITORS

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def log_in(username: str, password: str, address: str):
    return APIClient().post(
        "/api/auth/login/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


@pytest.fixture
def ada(make_user):
    return make_user(EDITORS, username="ada")


def test_the_defaults_lock_out_after_a_few_failures_for_minutes():
    assert 3 <= LIMIT <= 10
    assert timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == ["ip_address", "username"]


def test_guesses_at_one_username_from_many_addresses_lock_it_out(ada):
    codes = [log_in("ada", f"guess {n}", f"198.51.100.{n}").status_code for n in range(LIMIT)]
    assert codes[:-1] == [400] * (LIMIT - 1)
    assert codes[-1] == 429
    # The right password, from an address that never failed, is refused too.
    locked = log_in("ada", PASSWORD, "203.0.113.77")
    assert locked.status_code == 429
    assert locked.json() == {"detail": "Too many failed log-ins. Try again later."}
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "sessionid" not in locked.cookies
    # Other accounts are not affected.
    assert log_in("grace", "whatever", "203.0.113.78").status_code == 400


def test_guesses_from_one_address_at_many_usernames_lock_the_address_out(ada):
    codes = [log_in(f"user{n}", "guess", "198.51.100.9").status_code for n in range(LIMIT)]
    assert codes[-1] == 429
    assert log_in("ada", PASSWORD, "198.51.100.9").status_code == 429
    assert log_in("ada", PASSWORD, "198.51.100.10").status_code == 200


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_clients_behind_the_trusted_proxy_are_counted_apart(ada):
    for n in range(LIMIT):
        APIClient().post(
            "/api/auth/login/",
            {"username": f"user{n}", "password": "guess"},  # pragma: allowlist secret
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.1",
        )
    via_proxy = APIClient().post(
        "/api/auth/login/",
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
    assert log_in("ada", PASSWORD, "198.51.100.31").status_code == 429
    time.sleep(2.1)
    assert log_in("ada", PASSWORD, "198.51.100.31").status_code == 200


def test_the_admin_log_in_is_counted_and_locked_out_too(client, make_user):
    make_user(username="staffer", is_staff=True)
    url = reverse("admin:login")
    for n in range(LIMIT):
        client.post(
            url, {"username": "staffer", "password": f"guess {n}"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
    response = client.post(
        url, {"username": "staffer", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99"
    )
    assert response.status_code == 429
    assert response["Retry-After"]
    # A failure through the admin counts against the API's log-in as well.
    assert log_in("staffer", PASSWORD, "192.0.2.100").status_code == 429
