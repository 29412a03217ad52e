"""The audit trail: every change to a customer, who made it, from where, and
each changed field's old and new value."""

from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models.signals import pre_save
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import EDITORS, MANAGERS
from customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/api/customers/"
NEW = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


def trail(customer_id: int) -> list[LogEntry]:
    entries = LogEntry.objects.get_for_model(Customer).filter(object_pk=str(customer_id))
    return list(entries.order_by("timestamp", "pk"))


def test_create_update_delete_by_different_users_name_each_actor_and_change(make_user):
    editor, other_editor, manager = make_user(EDITORS), make_user(EDITORS), make_user(MANAGERS)
    clients = {}
    for user in (editor, other_editor, manager):
        clients[user] = APIClient()
        clients[user].force_authenticate(user)
    created = clients[editor].post(URL, NEW, format="json", REMOTE_ADDR="192.0.2.1").json()
    detail = f"{URL}{created['id']}/"
    clients[other_editor].patch(
        detail,
        {"company": "US Navy", "phone": "+1 555 0100"},
        format="json",
        REMOTE_ADDR="192.0.2.2",
    )
    clients[manager].delete(detail, REMOTE_ADDR="192.0.2.3")

    create, update, delete = trail(created["id"])
    assert [e.action for e in (create, update, delete)] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    assert [e.actor for e in (create, update, delete)] == [editor, other_editor, manager]
    assert [e.remote_addr for e in (create, update, delete)] == [
        "192.0.2.1",
        "192.0.2.2",
        "192.0.2.3",
    ]
    assert create.changes_dict["email"] == [None, "grace@example.com"]
    assert update.changes_dict == {"company": ["", "US Navy"], "phone": ["", "+1 555 0100"]}
    assert delete.changes_dict["last_name"] == ["Hopper", None]
    assert all(e.timestamp for e in (create, update, delete))


def test_a_token_clients_changes_name_the_tokens_user(make_user):
    bot = make_user(EDITORS, username="importer")
    out = StringIO()
    call_command("issue_api_token", "importer", stdout=out, stderr=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    created = client.post(URL, NEW, format="json", REMOTE_ADDR="192.0.2.9")
    assert created.status_code == 201
    [entry] = trail(created.json()["id"])
    assert entry.actor == bot
    assert entry.remote_addr == "192.0.2.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_the_address_is_the_real_clients_never_one_it_wrote(make_user):
    client = APIClient()
    client.force_authenticate(make_user(EDITORS))
    created = client.post(
        URL,
        NEW,
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.5",
        HTTP_X_FORWARDED_PORT="1234",
    )
    [entry] = trail(created.json()["id"])
    assert entry.remote_addr == "203.0.113.5"
    assert entry.remote_port is None


def test_changes_in_the_admin_are_recorded_with_their_actor(client, make_customer):
    customer = make_customer(company="")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(admin)
    change = reverse("admin:customers_customer_change", args=[customer.pk])
    fields = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": "",
        "company": "Analytical Engines",
        "is_active": "on",
    }
    response = client.post(change, fields, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302, response.content
    entry = trail(customer.pk)[-1]
    assert entry.actor == admin
    assert entry.remote_addr == "192.0.2.44"
    assert entry.changes_dict["company"] == ["", "Analytical Engines"]


def test_requests_do_not_leave_audit_receivers_behind(api, client, make_customer):
    # auditlog connects a receiver per context: nested ones would stay connected.
    before = len(pre_save.receivers)
    for n in range(3):
        api.post(URL, {**NEW, "email": f"g{n}@example.com"}, format="json")
        client.get(reverse("admin:index"))
    assert len(pre_save.receivers) == before


def test_nothing_in_the_api_can_alter_the_trail(api, make_customer):
    customer = make_customer()
    api.patch(f"{URL}{customer.pk}/", {"company": "X"}, format="json")
    count = LogEntry.objects.count()
    for path in ("/api/auditlog/", "/api/logentries/", "/api/audit/"):
        assert api.get(path).status_code == 404
        assert api.delete(path).status_code == 404
    assert LogEntry.objects.count() == count
