"""Reads render rows without the serializer (customers.reads): the same bytes."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from customers import reads
from customers.models import Customer
from customers.pagination import CustomerCursorPagination
from customers.serializers import CustomerSerializer

pytestmark = pytest.mark.django_db

URL = "/api/customers/"

# Names no validator would let through are still stored by the admin's
# older rows or a data migration: the two renderings must agree on them too.
NAMES = [
    ("Zoë", "Ødegård"),
    ("李", "小龍"),
    ("\uff21\uff44\uff41", "L\u0301ovelace"),
    ("🦀 Ferris", "Rust 𝄞"),
    ('Quote " and \\ backslash', "</script><b>"),
    ("Line\u2028separator", "Paragraph\u2029separator"),
    ("Tab\tand\nnewline", "NUL-free \x7f"),
    ("  spaced  ", "x" * 97),
]
TIMESTAMPS = [
    datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC),
    datetime(2026, 12, 1, 12, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, 0, 999999, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2099, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
]


@pytest.fixture
def varied_customers():
    customers = []
    for number in range(60):
        first, last = NAMES[number % len(NAMES)]
        customer = Customer.objects.create(
            first_name=first,
            last_name=f"{last}{number}",
            email=f"ünï{number}@exämple.com" if number % 4 == 0 else f"plain{number}@example.com",
            phone="" if number % 3 == 0 else f"+44 (0)20 7946 {number:04d}",
            company="" if number % 2 == 0 else f"Société {number} & Co",
            is_active=number % 5 != 0,
        )
        # In fours with the same creation time: pages end inside a tie.
        created = TIMESTAMPS[number // 4 % len(TIMESTAMPS)] + timedelta(seconds=number // 4)
        Customer.objects.filter(pk=customer.pk).update(
            created_at=created, updated_at=created + timedelta(microseconds=number * 1234)
        )
        customers.append(customer)
    return customers


def render(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Berlin"])
def test_rows_render_to_the_serializers_bytes(varied_customers, zone):
    queryset = Customer.objects.order_by("pk")
    with timezone.override(zone):
        expected = render(CustomerSerializer(queryset, many=True).data)
        assert render(reads.represent(reads.rows(queryset))) == expected
    assert expected.count(b'"id":') == len(varied_customers)


@given(
    st.lists(st.datetimes(timezones=st.timezones()) | st.none(), min_size=2, max_size=8),
    st.sampled_from(["UTC", "Asia/Kolkata", "Africa/Monrovia"]),
)
def test_any_timestamp_is_written_as_the_serializer_writes_it(stamps, zone):
    """Any offset, UTC's or another (the database's are UTC's), historic
    offsets with seconds, in the current time zone UTC or another."""
    records = [{"created_at": a, "updated_at": b} for a, b in pairwise(stamps)]
    field = serializers.DateTimeField()
    with timezone.override(zone):
        expected = [
            {name: field.to_representation(value) if value else None for name, value in r.items()}
            for r in records
        ]
        assert reads.represent(records) == expected


def test_every_list_page_is_the_serializers_bytes(api, varied_customers):
    """Page after page, forward and back, links included, as DRF's own list
    with CustomerSerializer answers (on the same requests)."""
    params: dict[str, int] | None
    url, params, pages = URL, {"page_size": 7}, []
    while url:
        response = api.get(url, params)
        request = Request(APIRequestFactory().get(url, params))
        paginator = CustomerCursorPagination()
        page = paginator.paginate_queryset(Customer.objects.all(), request)
        expected = paginator.get_paginated_response(CustomerSerializer(page, many=True).data)
        assert response.content == render(expected.data)
        pages.append(response.json())
        url, params = pages[-1]["next"], None
    assert sum(len(page["results"]) for page in pages) == len(varied_customers)
    back = api.get(pages[-1]["previous"])
    assert back.json()["results"] == pages[-2]["results"]


def test_the_detail_answer_is_the_serializers_bytes(api, varied_customers):
    for customer in varied_customers[:10]:
        customer.refresh_from_db()
        response = api.get(f"{URL}{customer.pk}/")
        assert response.status_code == 200
        assert response.content == render(CustomerSerializer(customer).data)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_detail_is_read_by_the_statement_not_the_orm(api, varied_customers, monkeypatch):
    read = []
    original = reads.one

    def recorded(queryset, pk):
        read.append(original(queryset, pk))
        return read[-1]

    monkeypatch.setattr(reads, "one", recorded)
    customer = varied_customers[3]
    assert api.get(f"{URL}{customer.pk}/").status_code == 200
    # Found by the statement: the ORM's way was not needed.
    assert read == [reads.rows(Customer.objects.all()).get(pk=customer.pk)]


def test_a_missing_or_malformed_id_is_a_404(api, varied_customers):
    for pk in ("999999999", "not-a-number", "0", "-1", "9" * 19, "9" * 40):
        assert api.get(f"{URL}{pk}/").status_code == 404, pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_one_customer_is_read_by_one_statement_as_the_orm_reads_it(varied_customers):
    everyone = Customer.objects.all()
    for customer in varied_customers[:10]:
        expected = reads.rows(everyone).get(pk=customer.pk)
        assert reads.one(everyone, customer.pk) == expected
        assert reads.one(everyone, str(customer.pk)) == expected
        assert list(expected) == list(reads.FIELDS)
    # What the statement does not answer, the ORM's way does (the view's 404s).
    missing = max(customer.pk for customer in varied_customers) + 1
    for pk in (missing, "x", "1.5", "", 2**31, -(2**31) - 1, "9" * 40):
        assert reads.one(everyone, pk) is None, pk
    inactive = everyone.filter(is_active=False)
    assert reads.one(inactive, varied_customers[1].pk) is None


def test_a_field_reads_cannot_render_exactly_is_refused():
    class WithMethodField(serializers.ModelSerializer):
        full_name = serializers.SerializerMethodField()

        class Meta:
            model = Customer
            fields = ["id", "full_name"]

    class WithLocalTime(serializers.ModelSerializer):
        created_at = serializers.DateTimeField(format="%d/%m/%Y")

        class Meta:
            model = Customer
            fields = ["id", "created_at"]

    for serializer_class in (WithMethodField, WithLocalTime):
        with pytest.raises(ImproperlyConfigured):
            reads.plan(serializer_class)
    assert reads.plan(CustomerSerializer) == (
        tuple(CustomerSerializer.Meta.fields),
        ("created_at", "updated_at"),
    )


def test_filters_run_only_for_requests_that_set_one(api, varied_customers, filterings):
    customer = varied_customers[1]
    assert api.get(URL, {"page_size": 5}).status_code == 200
    assert api.get(f"{URL}{customer.pk}/").status_code == 200
    assert filterings == []
    assert len(api.get(URL, {"is_active": "false", "page_size": 200}).json()["results"]) == 12
    assert api.get(URL, {"search": "", "is_active": ""}).status_code == 200
    assert filterings == [
        {"is_active": "false", "page_size": "200"},
        {"search": "", "is_active": ""},
    ]


def test_a_bad_filter_value_is_still_a_400_on_the_list_and_the_detail(api, varied_customers):
    customer = varied_customers[1]
    for url in (URL, f"{URL}{customer.pk}/"):
        assert api.get(url, {"is_active": "perhaps"}).status_code == 400
        assert api.get(url, {"search": "a\x00b"}).status_code == 400
        assert api.get(url, {"search": "x" * 101}).status_code == 400


def test_a_detail_outside_its_filter_is_still_a_404(api, varied_customers):
    active = varied_customers[1]
    assert active.is_active
    assert api.get(f"{URL}{active.pk}/", {"is_active": "true"}).status_code == 200
    assert api.get(f"{URL}{active.pk}/", {"is_active": "false"}).status_code == 404
