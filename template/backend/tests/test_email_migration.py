"""Migration 0004 over existing customers: their addresses take the stored
form, every row gets its comparison key, and look-alikes stop it, by id."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from customers.models import Customer
from customers.serializers import CustomerSerializer

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("customers", "0003_covering_search_indexes")]
AFTER = [("customers", "0004_email_key")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_customers():
    """The customers table as the release before 0004 had it; the latest after."""
    model = migrate(BEFORE).get_model("customers", "Customer")

    def add(email: str) -> int:
        customer = model.objects.create(first_name="A", last_name="B", email=email)
        return int(customer.pk)

    yield add
    model.objects.all().delete()
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_existing_addresses_are_normalized_and_keyed(old_customers):
    admin_typed = old_customers("Kiwi@EX\u00c4MPLE.com")
    long_s = old_customers("\u017ftrasse@example.com")
    dotless = old_customers("k\u0131wi@example.com")
    idna_2003 = old_customers("old@\u2603.com")  # Django's check took it, IDNA 2008 does not
    plain = old_customers("ada@example.com")
    migrate(AFTER)
    rows = dict(Customer.objects.values_list("pk", "email"))
    assert rows == {
        admin_typed: "kiwi@xn--exmple-cua.com",
        long_s: "strasse@example.com",
        dotless: "k\u0131wi@example.com",
        idna_2003: "old@\u2603.com",
        plain: "ada@example.com",
    }
    assert Customer.objects.get(pk=dotless).email_key == "kiwi@example.com"
    assert not Customer.objects.filter(email_key=None).exists()
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    # The API's check (the serializer's) reads the keys the migration filled.
    serializer = CustomerSerializer(
        data={"first_name": "A", "last_name": "B", "email": "kiwi@example.com"}
    )
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["email"]


def test_lookalikes_stop_the_migration_by_id(old_customers):
    kiwi = old_customers("kiwi@example.com")
    dotless = old_customers("k\u0131wi@example.com")
    unicode_domain = old_customers("x@ex\u00e4mple.com")
    ascii_domain = old_customers("X@xn--exmple-cua.com")
    old_customers("ada@example.com")
    with pytest.raises(RuntimeError) as error:
        migrate(AFTER)
    message = str(error.value)
    assert f"{kiwi}, {dotless}" in message
    assert f"{unicode_domain}, {ascii_domain}" in message
    assert "@" not in message and "kiwi" not in message
    # Nothing changed: the table is as it was, without the key.
    columns = [
        c.name
        for c in connection.introspection.get_table_description(connection.cursor(), "customers")
    ]
    assert "email_key" not in columns
