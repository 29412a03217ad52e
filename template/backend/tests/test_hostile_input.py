"""Requests an attacker can send cheaply: each is a 4xx, never a 500 and
never a traceback in the error log (the 5xx alert would page on demand)."""

import base64
import json
import logging

import pytest

from customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/api/customers/"


@pytest.fixture
def hostile(api, caplog):
    """The API client, answering instead of raising, and a check of the logs."""
    api.raise_request_exception = False
    caplog.set_level(logging.INFO)
    yield api
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        cursor("p=abc"),  # decodes, but the position is not a timestamp
        cursor("p=2026-13-45 25:61:00"),
        cursor("p=\x00"),
        cursor("o=-1&p=abc"),
        cursor("r=x"),
        cursor("o=not-a-number"),
        "cD1hYmM",  # truncated: the padding cut off
        "cD1h",
        "ü",
    ],
)
def test_a_crafted_or_truncated_cursor_is_a_404(hostile, make_customer, value):
    make_customer()
    response = hostile.get(URL, {"cursor": value})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_real_cursor_still_pages(hostile, make_customer):
    for _ in range(3):
        make_customer()
    second = hostile.get(hostile.get(URL, {"page_size": 2}).json()["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 1


@pytest.mark.parametrize("depth", [11, 900, 10_000, 100_000])
def test_deeply_nested_json_is_a_400(hostile, depth):
    body = "[" * depth + "]" * depth
    response = hostile.post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "nested" in response.json()["detail"]


def test_json_nested_within_the_limit_reaches_validation(hostile):
    payload = {"first_name": [[["A"]]], "last_name": "B", "email": "nested@example.com"}
    response = hostile.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert "first_name" in response.json()


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not utf-8", b'{"first_name": "\x00', b"", b"{" * 5, b"NaN"],
)
def test_garbage_bodies_are_a_400(hostile, body):
    response = hostile.post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content


HOSTILE_TEXT = {
    "ANSI escape": "\x1b[2J\x1b[31mAda",
    "right-to-left override": "Ada\u202egnp.exe",
    "bidi isolate": "Ada\u2066x\u2069",
    "CR LF": "Ada\r\nLevel: ERROR",
    "NUL": "Ada\x00",
    "line separator": "Ada\u2028Lovelace",
    "unpaired surrogate": "Ada\ud800",
    "DEL": "Ada\x7f",
}


@pytest.mark.parametrize("field", ["first_name", "last_name", "company"])
@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_names_and_companies_refuse_control_and_bidi_characters(hostile, field, label):
    payload = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
    payload[field] = HOSTILE_TEXT[label]
    # ensure_ascii (the default) writes the surrogate as a \ud800 escape, as a client would.
    response = hostile.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 400, (label, response.content)
    assert list(response.json()) == [field]
    assert not Customer.objects.exists()


def test_an_update_is_checked_too(hostile, make_customer):
    customer = make_customer()
    response = hostile.patch(
        f"{URL}{customer.pk}/", {"company": "Acme\u202e"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "company" in response.json()


@pytest.mark.parametrize(
    "name", ["Zoë O'Brien-Łukasiewicz", "محمد", "李小龍", "Ngô Bảo Châu", "Åsa Jean-Luc"]
)
def test_real_names_in_any_script_are_accepted(hostile, name):
    payload = {"first_name": name, "last_name": name, "company": name, "email": "a@example.com"}
    response = hostile.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == name


def test_an_unpaired_surrogate_in_the_email_is_a_400(hostile):
    payload = {"first_name": "A", "last_name": "B", "email": "ada\ud800@example.com"}
    response = hostile.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert "email" in response.json()


@pytest.mark.parametrize(
    "email",
    [
        "ada@xn--zz.com",  # not a valid A-label
        "ada@ex\u00e4mple-.com",  # a Unicode label that ends in a hyphen
        f"ada@{'ü' * 64}.com",  # a label longer than 63 octets once encoded
        f"ada@{'.'.join(['一二三四五六七八九十百千万亿兆'] * 7)}.com",  # over 254 once encoded
        "ada@\u2603.com",  # a symbol, refused by IDNA 2008
        "ada@exa\u200dmple.com",  # a zero-width joiner
        "ad\u0307a@example.com",  # a combining mark in the local part
    ],
)
def test_a_hostile_email_domain_is_a_400(hostile, email):
    payload = {"first_name": "A", "last_name": "B", "email": email}
    response = hostile.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 400, (email, response.content)
    assert list(response.json()) == ["email"]
    assert not Customer.objects.exists()
