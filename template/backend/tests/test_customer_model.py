import pytest
from django.db import IntegrityError, connection

from customers.filters import CustomerFilter
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_str_names_the_customer(make_customer):
    customer = make_customer(first_name="Grace", last_name="Hopper", email="grace@example.com")
    assert str(customer) == "Grace Hopper <grace@example.com>"


def test_email_is_unique(make_customer):
    make_customer(email="same@example.com")
    with pytest.raises(IntegrityError):
        make_customer(email="same@example.com")


def test_newest_customers_come_first(make_customer):
    first, second = make_customer(), make_customer()
    assert list(Customer.objects.all()) == [second, first]


def test_the_playbook_indexes_exist_in_the_database():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "customers")
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    assert {
        ("email",),
        ("last_name", "first_name"),
        ("created_at",),
        ("is_active", "created_at"),
        ("email", "is_active"),
    } <= indexed
    unique = {tuple(c["columns"]) for c in constraints.values() if c["unique"]}
    assert ("email",) in unique


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_search_can_use_its_prefix_indexes():
    with connection.cursor() as cursor:
        # A test table is small enough that a scan is cheaper: rule scans out
        # to see whether the indexes can serve the search at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
    search = CustomerFilter({"search": "Love"}, queryset=Customer.objects.all()).qs
    plan = search.explain()
    for column in ("last_name", "first_name", "email"):
        assert f"customers_{column}_search_idx" in plan, plan
