import pytest
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import MANAGERS
from customers.models import Customer

from .sessions import add_totp, log_in, log_in_with_code

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345"  # pragma: allowlist secret


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)


def test_the_admin_is_not_at_the_well_known_path(client, settings):
    assert settings.ADMIN_PATH != "admin/"
    assert reverse("admin:index") == f"/{settings.ADMIN_PATH}"
    assert client.get("/admin/").status_code == 404


def test_staff_manage_customers_in_the_admin(client, make_customer, superuser):
    make_customer(last_name="Hopper")
    client.force_login(superuser)
    changelist = client.get(reverse("admin:customers_customer_changelist"), {"q": "hop"})
    assert changelist.status_code == 200
    assert b"Hopper" in changelist.content
    assert client.get(reverse("admin:customers_customer_add")).status_code == 200


def test_the_admin_stores_and_refuses_addresses_as_the_api_does(client, make_customer, superuser):
    make_customer(email="kiwi@example.com")
    client.force_login(superuser)
    add = reverse("admin:customers_customer_add")
    fields = {"first_name": "A", "last_name": "B", "is_active": "on"}
    lookalike = client.post(add, {**fields, "email": "K\u0131wi@Example.com"})
    assert lookalike.status_code == 200  # the form again, with its error
    assert b"already exists" in lookalike.content
    created = client.post(add, {**fields, "email": "Kiwi@EX\u00c4MPLE.com"})
    assert created.status_code == 302
    assert Customer.objects.filter(email="kiwi@xn--exmple-cua.com").exists()


def test_the_admin_sends_whoever_is_not_logged_in_to_the_log_in(client):
    index = reverse("admin:index")
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    login = client.get(reverse("admin:login"), {"next": index})
    assert login.status_code == 302
    log_in_form = resolve_url(settings.LOGIN_URL)
    assert login["Location"] == f"{log_in_form}?next={index.replace('/', '%2F')}"


def test_the_admin_takes_no_password(client, superuser):
    response = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    assert "sessionid" not in response.cookies
    assert client.get(reverse("admin:index")).status_code == 302


def test_managers_read_the_audit_trail_and_nobody_edits_it(client, make_user, superuser, api):
    customer = api.post(
        "/api/customers/",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        format="json",
    ).json()
    entry = LogEntry.objects.get(object_pk=str(customer["id"]))
    client.force_login(make_user(MANAGERS, is_staff=True))
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code == 200
    # Not even a superuser can change or delete an entry.
    client.force_login(superuser)
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    client.post(change, {"action": LogEntry.Action.DELETE})
    delete = client.post(
        reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.action == LogEntry.Action.CREATE


@pytest.fixture
def staff_browser(superuser) -> APIClient:
    return APIClient(enforce_csrf_checks=True)


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_with_the_second_factor_staff_log_in_with_their_code(staff_browser, superuser):
    secret = add_totp(superuser)
    assert log_in_with_code(staff_browser, "admin", secret, password=PASSWORD).status_code == 200
    assert staff_browser.get(reverse("admin:index")).status_code == 200
    # Its log-in page, once logged in, leads to the admin.
    assert staff_browser.get(reverse("admin:login"))["Location"] == reverse("admin:index")


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_with_the_second_factor_a_password_only_session_is_refused(staff_browser, superuser):
    assert log_in(staff_browser, "admin", PASSWORD).status_code == 200  # no TOTP yet
    assert staff_browser.get(reverse("admin:index")).status_code == 302
    assert staff_browser.get(reverse("admin:login")).status_code == 403


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_a_forced_session_without_the_second_factor_is_not_enough(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_the_second_factor_the_page_s_log_in_is_enough(staff_browser, superuser):
    assert log_in(staff_browser, "admin", PASSWORD).status_code == 200
    assert staff_browser.get(reverse("admin:index")).status_code == 200


def test_a_non_staff_session_is_refused(client, make_user):
    client.force_login(make_user(MANAGERS))
    assert client.get(reverse("admin:login")).status_code == 403


def test_the_admin_shows_who_has_a_second_factor_never_its_secret(client, superuser, make_user):
    secret = add_totp(make_user(username="grace"))
    (app,) = Authenticator.objects.all()
    client.force_login(superuser)
    listed = client.get(reverse("admin:mfa_authenticator_changelist"))
    assert listed.status_code == 200
    assert b"grace" in listed.content
    shown = client.get(reverse("admin:mfa_authenticator_change", args=[app.pk]))
    assert shown.status_code == 200
    assert secret.encode() not in shown.content
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    deleted = client.post(reverse("admin:mfa_authenticator_delete", args=[app.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    assert not Authenticator.objects.exists()
