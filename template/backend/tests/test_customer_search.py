"""A search alone skips django-filter's FilterSet (CustomerFilter.search_alone)
and binds its values into SQL written once (customers.search): the same
answers, errors included, as through the FilterSet and the ORM."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import search
from customers.filters import CustomerFilter

URL = "/api/customers/"

# Valid, padded, empty and invalid terms; LIKE's wildcards; case.
TERMS = ["s", "SMI", "  smith  ", "", "   ", "100%", "a_", "a\\", "ö", "x" * 100, "x" * 101]
TERMS += ["a\x00b", " " + "y" * 100 + " ", "grace@"]
# Not base64; base64 of a position that is no timestamp ("p=notadate").
BAD_CURSORS = [{"cursor": "!!!"}, {"cursor": "cD1ub3RhZGF0ZQ=="}]


@pytest.fixture
def customers(make_customer):
    names = ["Smith", "smithers", "SMITHSON", "100% Pure", "a_b", "axb", "a\\b", "Ölz", "Hopper"]
    return [
        make_customer(last_name=name, first_name=names[-1 - n % 9], email=f"grace{n}@example.com")
        for n, name in enumerate(names * 3)
    ]


@pytest.fixture
def through_the_filterset(monkeypatch):
    def use() -> None:
        monkeypatch.delattr(CustomerFilter, "search_alone")

    return use


def answers(api, params_list: list[dict]) -> list[tuple[int, bytes]]:
    out = []
    for params in params_list:
        response = api.get(URL, params)
        out.append((response.status_code, response.content))
        if response.status_code == 200 and response.json()["next"]:
            following = api.get(response.json()["next"])
            out.append((following.status_code, following.content))
    return out


def test_a_search_alone_answers_as_the_filterset_did(api, customers, through_the_filterset):
    extras: list[dict] = [{}, {"page_size": 2}, {"page_size": "0"}, *BAD_CURSORS]
    params_list: list[dict] = [{"search": term, **extra} for term in TERMS for extra in extras]
    params_list.append({"search": ["smith", "hop"]})
    fast = answers(api, params_list)
    through_the_filterset()
    assert answers(api, params_list) == fast
    assert {status for status, _ in fast} == {200, 400, 404}


def test_a_search_alone_does_not_build_the_filterset(api, customers, monkeypatch):
    built = []
    original = CustomerFilter.__init__

    def counted(self, *args, **kwargs):
        built.append(kwargs.get("data"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(CustomerFilter, "__init__", counted)
    assert api.get(URL, {"search": "smi", "page_size": 2}).status_code == 200
    assert api.get(f"{URL}{customers[0].pk}/", {"search": "smith"}).status_code == 200
    assert built == []
    assert api.get(URL, {"search": "smi", "is_active": "true"}).status_code == 200
    assert len(built) == 1


def test_filters_with_the_search_still_go_through_the_filterset(api, customers, filterings):
    assert api.get(URL, {"search": "smi"}).status_code == 200
    assert api.get(URL, {"search": "smi", "last_name": "Smith"}).json()["results"]
    assert filterings == [{"search": "smi", "last_name": "Smith"}]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_union_is_written_once_and_bound_each_time(api, customers):
    search._union.cache_clear()
    pages = []
    for term in ("smi", "hop", "a_"):
        with CaptureQueriesContext(connection) as queries:
            first = api.get(URL, {"search": term, "page_size": 1}).json()
            pages.append(api.get(first["next"]).json())
        listed = [q["sql"] for q in queries.captured_queries if "UNION" in q["sql"]]
        assert len(listed) == 2, listed
    # Two shapes: the first page, and a page below a cursor's position.
    assert search._union.cache_info().misses == 2
    assert search._union.cache_info().hits == 4
    assert all(page["results"] for page in pages)
