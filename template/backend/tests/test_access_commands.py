"""The management commands that set up access: roles, users, second factors."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.roles import EDITORS, MANAGERS, ROLES, VIEWERS

from .sessions import log_in_with_code

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unguessable password"  # pragma: allowlist secret


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def permissions(group: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group).permissions.all()
    }


def test_the_migrations_create_the_roles():
    assert permissions(VIEWERS) == {"customers.view_customer"}
    assert permissions(EDITORS) == {
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
    }
    assert permissions(MANAGERS) == permissions(EDITORS) | {
        "customers.delete_customer",
        "auditlog.view_logentry",
        "accounts.view_invitation",
        "accounts.add_invitation",
        "accounts.change_invitation",
    }


def test_bootstrap_access_repairs_the_roles_and_can_run_again():
    Group.objects.get(name=VIEWERS).permissions.add(
        Permission.objects.get(codename="delete_customer")
    )
    Group.objects.get(name=EDITORS).delete()
    run("bootstrap_access")
    output = run("bootstrap_access")
    assert all(name in output for name in ROLES)
    assert permissions(VIEWERS) == {"customers.view_customer"}
    assert "customers.add_customer" in permissions(EDITORS)
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)


def test_create_user_reads_the_password_from_a_file(tmp_path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    run("create_user", "ada", "--group", EDITORS, "--password-file", str(secret))
    user = get_user_model().objects.get(username="ada")
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS]
    assert not user.is_staff


def test_create_user_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACCESS_PASSWORD", PASSWORD)
    run("create_user", "grace", "--group", MANAGERS, "--group", VIEWERS, "--staff")
    user = get_user_model().objects.get(username="grace")
    assert user.check_password(PASSWORD)
    assert user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {MANAGERS, VIEWERS}


def test_create_user_never_takes_a_password_on_the_command_line(monkeypatch):
    monkeypatch.delenv("ACCESS_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="ACCESS_PASSWORD"):
        run("create_user", "ada", "--group", EDITORS)
    with pytest.raises(CommandError, match="not taken on the command line") as refused:
        run("create_user", "ada", "--group", EDITORS, "--password", PASSWORD)
    assert PASSWORD not in str(refused.value)
    # Nor through an abbreviation, and the refusal does not repeat it.
    with pytest.raises(CommandError, match="ambiguous") as refused:
        run("create_user", "ada", "--group", EDITORS, "--pass", PASSWORD)
    assert PASSWORD not in str(refused.value)
    assert not get_user_model().objects.exists()


def test_create_user_applies_the_password_validators(monkeypatch):
    monkeypatch.setenv("ACCESS_PASSWORD", "password")
    with pytest.raises(CommandError, match="too common"):
        run("create_user", "ada", "--group", EDITORS)
    assert not get_user_model().objects.exists()


def test_create_user_changes_an_existing_user_only_when_asked(monkeypatch):
    monkeypatch.setenv("ACCESS_PASSWORD", PASSWORD)
    run("create_user", "ada", "--group", VIEWERS)
    with pytest.raises(CommandError, match="--update"):
        run("create_user", "ada", "--group", EDITORS)
    monkeypatch.setenv("ACCESS_PASSWORD", "a different long password")
    run("create_user", "ada", "--group", EDITORS, "--update")
    user = get_user_model().objects.get(username="ada")
    assert user.check_password("a different long password")
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS]


def test_create_user_needs_the_groups_and_leaves_nothing_behind_without_them(monkeypatch):
    monkeypatch.setenv("ACCESS_PASSWORD", PASSWORD)
    Group.objects.filter(name=EDITORS).delete()
    with pytest.raises(CommandError, match="bootstrap_access"):
        run("create_user", "ada", "--group", EDITORS)
    assert not get_user_model().objects.exists()


def test_updating_a_user_keeps_their_staff_flag(monkeypatch, make_user):
    make_user(username="admin", is_staff=True)
    monkeypatch.setenv("ACCESS_PASSWORD", PASSWORD)
    run("create_user", "admin", "--group", MANAGERS, "--update")
    assert get_user_model().objects.get(username="admin").is_staff


def test_add_totp_device_prints_the_uri_once_and_the_app_logs_in(make_user):
    admin = make_user(is_staff=True, username="admin")
    uri = run("add_totp_device", "admin").strip()
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    (app,) = Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert app.data["secret"] == secret
    browser = APIClient(enforce_csrf_checks=True)
    assert log_in_with_code(browser, "admin", secret).status_code == 200
    with pytest.raises(CommandError, match="--replace"):
        run("add_totp_device", "admin")
    assert run("add_totp_device", "admin", "--replace").strip() != uri
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).count() == 1
    with pytest.raises(CommandError, match="no active user"):
        run("add_totp_device", "nobody")
