"""The list's search on real PostgreSQL: the same customers, in the same
order, on every page as the single OR query it replaced, and plans that
never walk the table or the created_at index past the page (issue 16).

Both run tests/support/search_probe.py inside the defaults render, through
the real view, filters and cursor paginator.
"""

import json
from pathlib import Path

import pytest

PROBE = Path(__file__).parent / "support" / "search_probe.py"

# Broad and narrow prefixes, whole names, case, accents, LIKE's wildcard and
# escape characters (which must match literally), padding, no match at all.
TERMS = [
    "s",
    "Smith",
    "SMITH",
    "smiths",
    "Smithe",
    " jones ",
    "Jo",
    "o'",
    "100%",
    "100",
    "%",
    "a_",
    "_",
    "a\\",
    "\\",
    "ö",
    "ÖL",
    "straß",
    "STRAS",
    "ann",
    "Anna",
    "smita.",
    "zed.zed",
    "x@",
    "nobody",
]


def probe(project, url: str, *args: str, timeout: float = 600) -> dict:
    env = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": f"{project.django_project}.settings.test",
        "PYTHONPATH": ".",
    }
    # -P: not tests/support on the path, whose http.py would shadow the stdlib's.
    result = project.run("python", "-P", str(PROBE), *args, env=env, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    # The last line: the settings log warnings as JSON lines on stdout too.
    return json.loads(result.stdout.splitlines()[-1])


def migrated_database(project, postgres, name: str) -> str:
    url = postgres.create_database(name)
    env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": f"{project.django_project}.settings.test"}
    result = project.run("python", "manage.py", "migrate", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture(scope="module")
def defaults(render):
    return render("defaults")


def test_search_answers_as_the_single_or_query_did_on_every_page(defaults, postgres):
    url = migrated_database(defaults, postgres, "search_equal")
    assert probe(defaults, url, "seed-skewed")["rows"] == 3000
    result = probe(defaults, url, "compare", *TERMS, timeout=1800)
    assert result["walks"] == len(TERMS) * 8
    assert result["differences"] == []


def test_search_plans_read_only_the_page(defaults, postgres):
    url = migrated_database(defaults, postgres, "search_plans")
    probe(defaults, url, "seed-bulk", "200000")
    rare = ["Ashbury", "Woodyard", "Hartley", "ashb", "100%", "zzz"]
    common = ["Whitfield", "A", "w"]
    result = probe(defaults, url, "plans", *rare, *common)
    for term, (first, deep) in result.items():
        for page in (first, deep):
            assert "UNION" in page["sql"], term
            scans = [s for s in page["scans"] if s["node"] != "Subquery Scan"]
            assert not [s for s in scans if s["node"] == "Seq Scan"], (term, scans)
            outer = [s for s in scans if "upper(" not in s["filter"]]
            # The first page's rows by primary key, after the union. Below a
            # cursor, PostgreSQL may instead hash-join the union with the rows
            # older than the cursor, when it counts few enough of them.
            assert (outer and all(s["index"] == "customers_pkey" for s in outer)) or (
                page is deep and {s["index"] for s in outer} == {"customers_created_idx"}
            ), (term, outer)
            for scan in scans:
                if scan in outer:
                    continue
                # Each branch: its covering index alone, or, for a term so
                # common that the page fills at once, the newest rows under
                # its own LIMIT with the search condition as the filter.
                covering = scan["node"] == "Index Only Scan" and scan["index"].endswith(
                    "_search_idx"
                )
                walk = scan["limited"] and "upper(" in scan["filter"]
                assert covering or (term in common and walk), (term, scan)
