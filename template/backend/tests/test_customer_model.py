import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

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
def test_the_search_reads_its_covering_indexes(api):
    # Enough customers, counted by ANALYZE, that PostgreSQL's choice is the
    # one it makes on a real table rather than a scan of a handful of rows.
    Customer.objects.bulk_create(
        Customer(first_name=f"First{n}", last_name=f"Last{n}", email=f"c{n}@example.com")
        for n in range(3000)
    )
    Customer.objects.create(first_name="Ada", last_name="Lovelace", email="love@example.com")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers")
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/customers/", {"search": "Love"}).status_code == 200
    (search,) = [q["sql"] for q in queries.captured_queries if "LIKE UPPER" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {search}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for column in ("last_name", "first_name", "email"):
        # Index-only once VACUUM has marked the pages all-visible, which
        # cannot run inside the test's transaction.
        assert f"customers_{column}_search_idx" in plan, plan
    assert "customers_created_idx" not in plan, plan
