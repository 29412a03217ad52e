import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.pagination import CustomerCursorPagination
from customers.serializers import CustomerSerializer

pytestmark = pytest.mark.django_db

URL = "/api/customers/"


def detail(customer: Customer) -> str:
    return f"{URL}{customer.pk}/"


def test_create_returns_the_customer(api):
    response = api.post(
        URL,
        {"first_name": " Grace ", "last_name": "Hopper", "email": "Grace@Example.COM"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["first_name"] == "Grace"
    assert body["email"] == "grace@example.com"
    assert body["is_active"] is True
    assert Customer.objects.filter(pk=body["id"]).exists()


def test_read_update_delete(api, make_customer):
    customer = make_customer()
    assert api.get(detail(customer)).json()["email"] == customer.email

    response = api.patch(detail(customer), {"company": "Analytical Engines"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.company == "Analytical Engines"

    assert api.delete(detail(customer)).status_code == 204
    assert api.get(detail(customer)).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "A", "last_name": "B", "email": "not-an-email"}, "email"),
        ({"first_name": "   ", "last_name": "B", "email": "a@example.com"}, "first_name"),
        ({"first_name": "A", "email": "a@example.com"}, "last_name"),
        (
            {"first_name": "A", "last_name": "B", "email": "a@example.com", "phone": "call me"},
            "phone",
        ),
        ({"first_name": "A" * 101, "last_name": "B", "email": "a@example.com"}, "first_name"),
        ({"first_name": "A\x00", "last_name": "B", "email": "a@example.com"}, "first_name"),
        (
            {"first_name": "A", "last_name": "B", "email": "a@example.com", "is_active": "maybe"},
            "is_active",
        ),
        # The schema's JSON types, not what DRF would coerce into them.
        (
            {"first_name": "A", "last_name": "B", "email": "a@example.com", "is_active": "false"},
            "is_active",
        ),
        (
            {"first_name": "A", "last_name": "B", "email": "a@example.com", "is_active": 0},
            "is_active",
        ),
        ({"first_name": 0, "last_name": "B", "email": "a@example.com"}, "first_name"),
        (
            {"first_name": "A", "last_name": "B", "email": "a@example.com", "phone": 5551234},
            "phone",
        ),
        ({"first_name": "A", "last_name": None, "email": "a@example.com"}, "last_name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, payload, field):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_duplicate_email_is_a_400_whatever_its_case(api, make_customer):
    make_customer(email="taken@example.com")
    response = api.post(
        URL, {"first_name": "A", "last_name": "B", "email": "TAKEN@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()


def test_a_duplicate_that_slips_past_validation_is_still_a_400(api, make_customer, monkeypatch):
    # Two requests racing: both pass the uniqueness check, the second insert fails.
    make_customer(email="race@example.com")
    monkeypatch.setattr(CustomerSerializer, "validate_email", lambda self, value: value)
    response = api.post(
        URL, {"first_name": "A", "last_name": "B", "email": "race@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()


def test_search_matches_name_and_email_prefixes(api, make_customer):
    hopper = make_customer(last_name="Hopper", email="grace@navy.example")
    make_customer(last_name="Lovelace", email="ada@example.com")
    by_name = api.get(URL, {"search": "hop"}).json()["results"]
    by_email = api.get(URL, {"search": "GRACE@"}).json()["results"]
    assert [c["id"] for c in by_name] == [hopper.pk]
    assert [c["id"] for c in by_email] == [hopper.pk]


def test_filters_by_exact_email_and_activity(api, make_customer):
    active = make_customer(email="on@example.com")
    make_customer(email="off@example.com", is_active=False)
    assert [c["id"] for c in api.get(URL, {"email": "ON@example.com"}).json()["results"]] == [
        active.pk
    ]
    assert [c["id"] for c in api.get(URL, {"is_active": "true"}).json()["results"]] == [active.pk]


def test_bad_filter_values_are_a_400(api):
    assert api.get(URL, {"is_active": "perhaps"}).status_code == 400
    assert api.get(URL, {"search": "a\x00b"}).status_code == 400


def test_pages_follow_a_cursor_without_counting_the_table(api, make_customer):
    created = [make_customer() for _ in range(5)]
    seen = []
    params: dict[str, int] | None
    url, params = URL, {"page_size": 2}
    with CaptureQueriesContext(connection) as queries:
        while url:
            body = api.get(url, params).json()
            seen += [c["id"] for c in body["results"]]
            url, params = body["next"], None
    assert seen == [c.pk for c in reversed(created)]
    assert "count" not in body
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_forged_cursor_is_a_404_not_a_500(api):
    assert api.get(URL, {"cursor": "bz1ub3QtYS1udW1iZXI="}).status_code == 404


def test_page_size_is_capped(api, make_customer, monkeypatch):
    monkeypatch.setattr(CustomerCursorPagination, "max_page_size", 2)
    for _ in range(3):
        make_customer()
    assert len(api.get(URL, {"page_size": 10_000}).json()["results"]) == 2


def test_api_answers_are_never_stored(api, make_customer):
    customer = make_customer()
    answers = [
        api.get(URL),
        api.get(detail(customer)),
        api.get(f"{URL}999999/"),
        api.post(URL, {"email": "nope"}, format="json"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 404, 400]
    assert {a["Cache-Control"] for a in answers} == {"no-store"}


def create(api, email: str):
    return api.post(URL, {"first_name": "A", "last_name": "B", "email": email}, format="json")


@pytest.mark.parametrize(
    ("taken", "lookalike"),
    [
        ("kiwi@example.com", "k\u0131wi@example.com"),  # a dotless i
        ("strasse@example.com", "\u017ftrasse@example.com"),  # long s
        ("kiwi@xn--exmple-cua.com", "kiwi@exämple.com"),  # the same domain, spelt in Unicode
        ("kiwi@exämple.com", "KIWI@XN--EXMPLE-CUA.COM"),
        ("kiwi@exämple.com", "Kiwi@EXÄMPLE.com"),
        ("kelvin@example.com", "\u212aelvin@example.com"),  # Kelvin sign
    ],
)
def test_a_lookalike_of_a_taken_email_is_a_duplicate(api, taken, lookalike):
    assert create(api, taken).status_code == 201
    response = create(api, lookalike)
    assert response.status_code == 400, response.content
    assert response.json() == {"email": ["A customer with this email already exists."]}
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("twin", "lookalike"),
    [
        # Lower-cased, an i with a combining dot, which no address may hold.
        ("kiwi@example.com", "K\u0130WI@example.com"),
        # Not ASCII to Django's validator, which reads the address before NFKC.
        ("ada@example.com", "\uff41\uff44\uff41@example.com"),  # fullwidth a, d, a
    ],
)
def test_some_lookalikes_are_no_address_with_or_without_a_twin(api, twin, lookalike):
    assert create(api, lookalike).status_code == 400
    assert create(api, twin).status_code == 201
    response = create(api, lookalike)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["email"]
    assert Customer.objects.count() == 1


def test_a_lookalike_is_a_duplicate_on_update_too(api, make_customer):
    make_customer(email="kiwi@example.com")
    other = make_customer(email="other@example.com")
    response = api.patch(detail(other), {"email": "k\u0131wi@example.com"}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["email"]


def test_the_stored_email_is_normalized_as_the_schema_says(api):
    body = create(api, "Kiwi@EXÄMPLE.com").json()
    assert body["email"] == "kiwi@xn--exmple-cua.com"
    assert create(api, "\u017ftrasse@example.com").json()["email"] == "strasse@example.com"
    # A letter that only looks like another is kept as typed: shown, not rewritten.
    assert create(api, "k\u0131wi@example.com").json()["email"] == "k\u0131wi@example.com"
    assert api.get(URL, {"email": "KIWI@exämple.com"}).json()["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("kiwi@example.com", "kiwi@example.org"),
        ("kiwi@example.com", "kiwi@exämple.com"),  # a different domain
        ("kiwi@example.com", "kiwi.fruit@example.com"),
        ("kiwi@example.com", "kiwi+news@example.com"),
    ],
)
def test_distinct_emails_are_still_accepted(api, first, second):
    assert create(api, first).status_code == 201
    assert create(api, second).status_code == 201, create(api, second).content
