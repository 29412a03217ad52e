"""Upgrading from 0.1.0: the admin's django-otp TOTP devices become
django-allauth authenticator apps, and their owners' phones keep working."""

import base64
import importlib
import secrets
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from .sessions import add_totp, log_in_with_code

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0002_second_factors_from_django_otp")


def django_otp_table(devices: list[tuple]) -> None:
    """django-otp's table as 0.1.0 left it (the columns read), with devices
    (user id, hex key, confirmed, step, t0, digits)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer,"
            " name varchar(64), confirmed boolean, key varchar(80), step smallint,"
            " t0 bigint, digits smallint)"
        )
        for number, (user_id, key, confirmed, step, t0, digits) in enumerate(devices, 1):
            cursor.execute(
                "INSERT INTO otp_totp_totpdevice VALUES (%s, %s, 'phone', %s, %s, %s, %s, %s)",
                [number, user_id, confirmed, key, step, t0, digits],
            )


def copy() -> None:
    migration.copy_devices(apps, SimpleNamespace(connection=connection))


def test_confirmed_devices_become_authenticator_apps_that_log_in(make_user):
    staff, unconfirmed, eight_digits, enrolled = (
        make_user(is_staff=True, username=name) for name in ("ada", "bo", "cy", "di")
    )
    key = secrets.token_bytes(20)
    kept = add_totp(enrolled)
    django_otp_table(
        [
            (staff.pk, key.hex(), True, 30, 0, 6),
            (unconfirmed.pk, secrets.token_hex(20), False, 30, 0, 6),
            (eight_digits.pk, secrets.token_hex(20), True, 30, 0, 8),
            (enrolled.pk, secrets.token_hex(20), True, 30, 0, 6),
        ]
    )
    copy()
    copy()  # once only, however often it runs
    apps_by_user = {
        app.user.username: app.data["secret"]
        for app in Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    }
    assert apps_by_user == {"ada": base64.b32encode(key).decode(), "di": kept}
    browser = APIClient(enforce_csrf_checks=True)
    assert log_in_with_code(browser, "ada", apps_by_user["ada"]).status_code == 200


def test_a_project_without_django_otp_has_nothing_to_copy():
    copy()
    assert not Authenticator.objects.exists()
