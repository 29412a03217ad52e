"""Run inside a rendered backend (its venv, cwd backend/, DATABASE_URL set):
the list's search through the real view, beside the query it replaced.

    python search_probe.py seed-skewed            # a few thousand odd rows
    python search_probe.py seed-bulk COUNT        # COUNT rows, as the benchmark's
    python search_probe.py compare TERM...        # every page, both ways
    python search_probe.py sql TERM...            # the SQL each shape sends
    python search_probe.py plans TERM...          # the new shape's scans

Each prints one JSON document. ``compare`` walks every page forward and
back through the view (cursor pagination, filters, page sizes) and reads
the same customers with the old filter, one OR of the three istartswith
conditions, ordered as the paginator orders; it reports every difference.
"""

import base64
import json
import os
import random
import sys
import urllib.parse
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_

import django

django.setup()

from customers import filters as filters_module  # noqa: E402
from customers.models import Customer  # noqa: E402
from customers.search import conditions, search  # noqa: E402
from customers.views import CustomerViewSet  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

URL = "/api/customers/"
ORDERING = ("-created_at", "-id")
# Names with many customers, few, one; case, accents, and LIKE's own
# wildcard and escape characters, which the term must match literally.
LAST_NAMES = [
    *["Smith"] * 40,
    *["Smithson"] * 8,
    "SMITHERS",
    "smithy",
    *["Jones"] * 20,
    "Jon",
    "O'Neil",
    "100% Pure",
    "100 Pure",
    "a_b",
    "axb",
    "a\\b",
    "Ölz",
    "ölberg",
    "Straße",
    "STRASSE",
    "Zed",
]
FIRST_NAMES = [*["Smita"] * 10, *["Ann"] * 20, "Anna", "Jo", "Ö", "_x", "%y", "Zed"]
FILTERS = [{}, {"is_active": "true"}, {"is_active": "false"}, {"last_name": "Smith"}]


def seed_skewed(count: int = 3000) -> dict:
    rng = random.Random(16)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Every fifth timestamp is shared by several customers: the cursor
        # then needs its offset, which the subqueries must honour too.
        seconds = n - n % 5 if n % 3 == 0 else n
        rows.append(
            Customer(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{n}@example.com".lower().replace(" ", ""),
                is_active=n % 4 != 0,
            )
        )
        rows[-1].probe_created = start + timedelta(seconds=seconds)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # the settings' limit is for requests
    Customer.objects.bulk_create(rows)
    # auto_now_add wins on create: set the chosen timestamps afterwards.
    for row in rows:
        row.created_at = row.probe_created
    Customer.objects.bulk_update(rows, ["created_at"], batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers")
    return {"rows": Customer.objects.count()}


def seed_bulk(count: int) -> dict:
    """As the benchmark seeds (scripts/rehearsal/seeding.py), in one statement."""
    from rehearsal import seeding

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # the settings' limit is for requests
        cursor.execute(
            "INSERT INTO customers (first_name, last_name, email, phone, company, is_active,"
            " created_at, updated_at)"
            " SELECT first, last, lower(first || '.' || last || '.' || n) || '@example.com',"
            " '', 'Rehearsal', n %% 10 <> 0, now() - n * interval '1 second', now()"
            " FROM generate_series(1::bigint, %s) AS n,"
            " LATERAL (SELECT (%s::text[])[1 + n * 7919 %% 32] AS first,"
            " (%s::text[])[1 + n * 104729 %% 1024 / 32]"
            " || (%s::text[])[1 + n * 104729 %% 32] AS last) AS names",
            [
                count,
                list(seeding.FIRST_NAMES),
                list(seeding.LAST_NAME_STARTS),
                list(seeding.LAST_NAME_ENDS),
            ],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers")
    return {"rows": count}


def _user():
    user, _ = get_user_model().objects.get_or_create(
        username="search-probe", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def _list(params: dict) -> tuple[dict, list[str]]:
    """The view's answer to GET /api/customers/?params, and the SQL it sent."""
    request = APIRequestFactory().get(URL, params)
    force_authenticate(request, user=_user())
    with CaptureQueriesContext(connection) as queries:
        response = CustomerViewSet.as_view({"get": "list"})(request)
    assert response.status_code == 200, (params, response.status_code, response.data)
    sql = [q["sql"] for q in queries.captured_queries if 'FROM "customers"' in q["sql"]]
    return response.data, sql


def _cursor(link: str | None) -> str | None:
    if link is None:
        return None
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["cursor"][0]


def _old(term: str, filters: dict) -> list[int]:
    queryset = Customer.objects.filter(reduce(or_, conditions(term)))
    if "is_active" in filters:
        queryset = queryset.filter(is_active=filters["is_active"] == "true")
    if "last_name" in filters:
        queryset = queryset.filter(last_name=filters["last_name"])
    return list(queryset.order_by(*ORDERING).values_list("pk", flat=True))


def _walk(params: dict) -> tuple[list[int], list[int]]:
    """Every page's ids by the next links, then back from the last page by
    the previous links."""
    forward, cursor = [], None
    while True:
        body, _ = _list({**params, **({"cursor": cursor} if cursor else {})})
        forward += [row["id"] for row in body["results"]]
        last, cursor = body, _cursor(body["next"])
        if cursor is None:
            break
    backward, cursor = [], _cursor(last["previous"])
    while cursor:
        body, _ = _list({**params, "cursor": cursor})
        backward = [row["id"] for row in body["results"]] + backward
        cursor = _cursor(body["previous"])
    return forward, backward


def _old_search(queryset, term, request):
    """The search as it was: one OR of the three conditions."""
    return queryset.filter(reduce(or_, conditions(term)))


def compare(terms: list[str]) -> dict:
    differences, walks = [], 0
    for term in terms:
        for filters in FILTERS:
            for page_size in (7, 50):
                params = {"search": term, "page_size": page_size, **filters}
                new = _walk(params)
                filters_module.search = _old_search
                try:
                    old = _walk(params)
                finally:
                    filters_module.search = search
                walks += 1
                expected = _old(term.strip(), filters)
                if new != old or new[0] != expected:
                    differences.append(
                        {
                            "term": term,
                            "filters": filters,
                            "page_size": page_size,
                            "expected": len(expected),
                            "new": [len(new[0]), len(new[1])],
                            "old": [len(old[0]), len(old[1])],
                        }
                    )
    return {"differences": differences, "walks": walks}


def deep_cursor(fraction: float) -> str:
    """A cursor whose position is that far down the whole list."""
    count = Customer.objects.count()
    row = Customer.objects.order_by(*ORDERING).values_list("created_at", flat=True)[
        int(count * fraction)
    ]
    # As DRF encodes one: a query string, base64.
    return base64.b64encode(urllib.parse.urlencode({"p": row.isoformat()}).encode()).decode()


def sql(terms: list[str]) -> dict:
    """The list query each shape sends for each term, first page and deep."""
    deep = deep_cursor(0.9)
    shapes = {}
    for name, shape in (("old", _old_search), ("new", search)):
        filters_module.search = shape
        try:
            shapes[name] = {
                term: [
                    _list({"search": term})[1][-1],
                    _list({"search": term, "cursor": deep})[1][-1],
                ]
                for term in terms
            }
        finally:
            filters_module.search = search
    return shapes


def _scans(node: dict, limited: bool = False) -> list[dict]:
    limited = limited or node["Node Type"] == "Limit"
    found = []
    if "Scan" in node["Node Type"]:
        found.append(
            {
                "node": node["Node Type"],
                "index": node.get("Index Name"),
                "filter": node.get("Filter", ""),
                "limited": limited,
            }
        )
    for child in node.get("Plans", []):
        found += _scans(child, limited and child["Node Type"] != "Hash")
    return found


def plans(terms: list[str]) -> dict:
    """Every scan in the plan of the new shape's query, per term and page."""
    out = {}
    with connection.cursor() as cursor:
        for term, queries in sql(terms)["new"].items():
            out[term] = []
            for query in queries:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {query}")
                out[term].append({"sql": query, "scans": _scans(cursor.fetchone()[0][0]["Plan"])})
    return out


if __name__ == "__main__":
    # The probe makes thousands of requests: none of them may be limited.
    settings.CUSTOMERS_LIST_RATE = "1000000000/h"
    command, *args = sys.argv[1:]
    if command == "seed-skewed":
        result = seed_skewed()
    elif command == "seed-bulk":
        sys.path.insert(0, os.path.join(os.pardir, "scripts"))
        result = seed_bulk(int(args[0]))
    elif command == "compare":
        result = compare(args)
    elif command == "plans":
        result = plans(args)
    else:
        result = sql(args)
    print(json.dumps(result))
