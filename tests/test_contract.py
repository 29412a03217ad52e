"""The API keeps its published contract under attack: schemathesis fuzzes
every operation of the committed schema (backend/openapi.json) with all its
checks, stateful sequences included, as a manager with an API token, through
the real nginx and gunicorn (production settings) on real PostgreSQL and
Redis. No answer is a server error, and every answer is one the schema
documents. Then a fixed list of hostile requests: each is a 4xx, and none
leaves an ERROR line or a traceback in the backend's logs."""

import base64
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from support.access import serving
from support.http import exchange

ST = Path(sys.executable).with_name("st")
# Examples per operation and phase: enough for every operation's success,
# its validation errors and the stateful sequences (create, then read,
# change and delete what was created); the seed makes a failure repeatable.
EXAMPLES = 15
SEED = 14
# Every method the schema does not list, tried on every path, must get 405
# with Allow, except TRACE: nginx refuses that one itself, for any path,
# without an Allow header (test_hostile_requests_are_refused_cleanly).
#
# A customer's e-mail is unique, and names, company and phone must read as
# plain text once trimmed: rules on the data that the schema's types do not
# state, so a schema-valid body can get the documented 400 naming the field.
# So can an invitation's address (an address with an account), and a revoke
# (of an invitation that is not pending).
CONFIG = """
[phases.coverage]
unexpected-methods = ["get", "put", "post", "delete", "options", "patch", "query"]

[[operations]]
include-operation-id = [
    "customers_create",
    "customers_update",
    "customers_partial_update",
    "accounts_invitations_create",
    "accounts_invitations_revoke_create",
]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-path-regex = "^/api/auth/browser/"
phases.coverage.unexpected-methods = ["get"]
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "409", "410", "429"
]
"""
# An invitation's check and accept: with the session's CSRF token only, so
# an API token gets their 403.
NEEDS_A_SESSION = {
    "POST /api/auth/invitation/check/",
    "POST /api/auth/invitation/accept/",
}
# The page's log-in (django-allauth's, for a browser): with the session and
# its CSRF token only (a reset request too), so an API token gets no 2xx
# there but from its configuration. Its plain
# Django views answer OPTIONS themselves (200 with Allow), and Django's CSRF
# check refuses any other method without the token (403) before the view
# can say 405: only an undeclared GET gets 405 there. A valid body can meet
# a wrong password (400), a session that is gone (410) or a limit (429).
HEADLESS = "/api/auth/browser/v1/"
OPEN_TO_ANYONE = {f"GET {HEADLESS}config"}


@pytest.fixture(scope="module", params=["defaults", "no-rate-limiting"])
def contract_service(request, render, postgres, redis_proc, tmp_path_factory):
    """One render serving (support.access.serving): the defaults, and one
    without rate limits, whose schema documents fewer 429s."""
    tmp = tmp_path_factory.mktemp(f"contract-{request.param}")
    with serving(render(request.param), postgres, redis_proc, tmp) as service:
        yield service


def documented_operations(schema: Path) -> list[str]:
    paths = json.loads(schema.read_text())["paths"]
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item]


def base_url(service) -> str:
    scheme = "https" if service.entry.tls else "http"
    return f"{scheme}://127.0.0.1:{service.entry.port}"


def error_lines(service) -> list[str]:
    """Lines at ERROR or above, and tracebacks, in every backend log."""
    found = []
    for path in [service.backend_log, *sorted(service.logs.glob("*"))]:
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                record = {}
            level = record.get("level", "") if isinstance(record, dict) else ""
            if level in ("ERROR", "CRITICAL") or "Traceback" in line or "exc_info" in line:
                found.append(f"{path.name}: {line[:300]}")
    return found


def test_schemathesis_finds_no_server_error_and_no_contract_violation(contract_service, tmp_path):
    service = contract_service
    schema = service.project.backend / "openapi.json"
    har = tmp_path / "requests.har"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    result = subprocess.run(
        [
            ST,
            "--config-file",
            str(config),
            "run",
            str(schema),
            "--url",
            base_url(service),
            "--header",
            f"Host: {service.entry.host}",
            "--header",
            f"Authorization: Token {service.tokens['manager']}",
            "--tls-verify",
            "false",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            # One worker: with two threads, Python 3.11's ast (which Hypothesis
            # calls to describe its strategies) can fail with "AST constructor
            # recursion depth mismatch" (CPython gh-106905), an error of the
            # run, not of the service.
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--report",
            "har",
            "--report-har-path",
            str(har),
            "--no-color",
        ],
        # Its cache of earlier failures stays with this run, out of the checkout.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    statuses = Counter(entry["response"]["status"] for entry in entries)
    answered = {operation: set() for operation in documented_operations(schema)}
    for entry in entries:
        path = re.sub(r"/-?[0-9]+/", "/{id}/", urlsplit(entry["request"]["url"]).path)
        operation = f"{entry['request']['method']} {path}"
        if operation in answered:
            answered[operation].add(entry["response"]["status"])
    counts = dict(sorted(statuses.items()))
    print(f"{service.project.name}: {len(entries)} requests, statuses {counts}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert entries
    assert not [status for status in statuses if status >= 500], statuses
    # Every operation was tried; each that an API token can use succeeded.
    assert all(answered.values()), answered
    for operation, codes in answered.items():
        if operation in NEEDS_A_SESSION:
            continue
        if HEADLESS not in operation or operation in OPEN_TO_ANYONE:
            assert any(200 <= code < 300 for code in codes), (operation, codes)
    assert error_lines(service) == []


def cursor(text: str) -> str:
    return quote(base64.b64encode(text.encode()).decode())


class Chunked:
    """A body sent with Transfer-Encoding: chunked, in small pieces; a new
    iterator per request (each render's run sends it again)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self):
        return (self.body[i : i + 4096] for i in range(0, len(self.body), 4096))


LIST = "/api/customers/"
NESTED = b"[" * 100_000 + b"]" * 100_000
JSON = {"Content-Type": "application/json"}
# (label, method, path, body, extra headers, the status): each cheap to send,
# each once a 500 with a traceback somewhere, or a way to find one.
HOSTILE = [
    ("nested 100,000 deep", "POST", LIST, NESTED, JSON, 400),
    ("nested objects", "POST", LIST, b'{"a":' * 5000 + b"1" + b"}" * 5000, JSON, 400),
    ("nested, chunked", "POST", LIST, Chunked(NESTED), JSON, 400),
    ("crafted cursor", "GET", f"{LIST}?cursor={cursor('p=abc')}", None, {}, 404),
    ("cursor with NUL", "GET", f"{LIST}?cursor={cursor('p=' + chr(0))}", None, {}, 404),
    ("truncated cursor", "GET", f"{LIST}?cursor=cD1hYmM", None, {}, 404),
    ("cursor not base64", "GET", f"{LIST}?cursor=%C3%BC", None, {}, 404),
    ("page size not a number", "GET", f"{LIST}?page_size=null", None, {}, 400),
    ("2 MB body", "POST", LIST, b" " * 2_000_000, JSON, 413),
    ("2 MB body, chunked", "POST", LIST, Chunked(b" " * 2_000_000), JSON, 413),
    (
        "NUL in a name",
        "POST",
        LIST,
        rb'{"first_name": "A\u0000", "last_name": "B", "email": "nul@example.com"}',
        JSON,
        400,
    ),
    ("raw NUL in the body", "POST", LIST, b'{"first_name": "\x00', JSON, 400),
    ("NUL in a filter", "GET", f"{LIST}?search=a%00b", None, {}, 400),
    # nginx refuses a NUL in the path itself.
    ("NUL in the path", "GET", f"{LIST}%00/", None, {}, 400),
    ("invalid UTF-8 body", "POST", LIST, b'{"first_name": "\xff\xfe"}', JSON, 400),
    ("invalid UTF-8 filter", "GET", f"{LIST}?is_active=%FF", None, {}, 400),
    ("invalid UTF-8 id", "GET", f"{LIST}%FF%FE/", None, {}, 404),
    ("id not an integer", "GET", f"{LIST}-2.2e-313/", None, {}, 404),
    ("overlong query string", "GET", f"{LIST}?search={'a' * 9000}", None, {}, 414),
    ("overlong filter", "GET", f"{LIST}?search={'a' * 3000}", None, {}, 400),
    ("not JSON", "POST", LIST, b"first_name=A", {"Content-Type": "text/plain"}, 415),
    ("unknown method", "FOO", LIST, None, {}, 405),
    ("WebDAV method", "PROPFIND", f"{LIST}1/", None, {}, 405),
    ("TRACE", "TRACE", LIST, None, {}, 405),
]


@pytest.mark.parametrize("case", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_requests_are_refused_cleanly(contract_service, case):
    """Through nginx, as the manager: each answer the 4xx it should be, and
    no ERROR line or traceback in the backend's logs after it."""
    service = contract_service
    label, method, path, body, headers, expected = case
    entry = service.entry
    status, _, answer = exchange(
        entry.port,
        path,
        host=entry.host,
        method=method,
        body=body,
        headers={
            **entry.forwarding("203.0.113.40"),
            "Authorization": f"Token {service.tokens['manager']}",
            **headers,
        },
        source=entry.source,
        tls=entry.tls,
    )
    assert status == expected, (label, status, answer[:300])
    assert error_lines(service) == [], label
