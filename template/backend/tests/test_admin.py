import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import MANAGERS
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")


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


def test_the_admin_needs_a_login(client):
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


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


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def admin_login(client, superuser):
    """post(code) -> the admin log-in's answer for the superuser's password and a code."""
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)

    def post(code: str | None):
        data = {"username": "admin", "password": "pw-12345", "next": reverse("admin:index")}
        if code is not None:
            data.update(otp_device=device.persistent_id, otp_token=code)
        return client.post(reverse("admin:login"), data)

    post.device = device  # type: ignore[attr-defined]  # the tests read the device off the helper
    return post


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_with_the_second_factor_staff_need_a_one_time_code(client, admin_login):
    index = reverse("admin:index")
    # The password alone does not let staff in.
    assert admin_login(None).status_code == 200
    assert client.get(index).status_code == 302
    assert admin_login(current_code(admin_login.device)).status_code == 302
    assert client.get(index).status_code == 200


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_a_wrong_code_is_refused_and_slows_the_next_tries(client, admin_login):
    right = current_code(admin_login.device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert admin_login(wrong).status_code == 200
    # django-otp throttles the device after a failure: even the right code waits.
    assert admin_login(right).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


@override_settings(ADMIN_SECOND_FACTOR=True)
def test_a_session_from_the_api_log_in_is_not_enough_for_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_the_second_factor_the_password_is_enough(client, superuser):
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "pw-12345"})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
