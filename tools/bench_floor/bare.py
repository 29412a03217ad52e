"""The bare floor: a WSGI callable, no Django request cycle, that answers
the benchmark's reads (list first and deep page, search, detail) with the
API's bytes: knox's token check as one SQL query (the token by its key,
its digest compared in constant time, its expiry, the user active and
holding the model permission), the API's own SQL (compiled once, at
import, from the API's querysets) run through psycopg on one connection
per thread, and orjson. What it does not answer (create, a cursor that
is not a plain position, page_size, an error) falls through to Django.

Wrapped around the project's WSGI application in a copy of the render
only (tools/bench_load.py), selected per request by X-Benchmark-Floor as
the lean floor is, so that the same-bytes check can compare the two."""

import re
import threading
from base64 import b64decode
from datetime import UTC, datetime
from hmac import compare_digest
from urllib import parse

import psycopg
from customers.models import Customer
from customers.search import within_window
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS

from .pages import Page, json_body
from .views import FIELDS, ORDERING, PAGE_SIZE, POSITION, SEARCH_MAX

HEADER = "HTTP_X_BENCHMARK_FLOOR"
API = "/api/customers/"
DETAIL = re.compile(rf"^{API}(\d+)/$")
# A term that cannot be a last name, to find the term's parameters in the
# compiled search: the LIKE patterns of last and first name, and e-mail's.
MARK = "Qzqxj"
# A position to find in the deep page's compiled parameters, likewise.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _compiled(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _statements() -> dict[str, tuple[str, tuple]]:
    """The API's SQL for each read, with its parameters as compiled."""
    window = PAGE_SIZE + 1
    customers = Customer.objects.all()
    after = {f"{POSITION}__lt": EPOCH}
    return {
        "list": _compiled(customers.order_by(*ORDERING).values(*FIELDS)[:window]),
        "deep": _compiled(customers.order_by(*ORDERING).filter(**after).values(*FIELDS)[:window]),
        "search": _compiled(
            within_window(customers, MARK, list(ORDERING), {}, window)
            .order_by(*ORDERING)
            .values(*FIELDS)[:window]
        ),
        "detail": _compiled(customers.filter(pk=0).values(*FIELDS)),
    }


def _access_sql() -> str:
    """knox's token lookup and Django's has_perm in one query, by table name."""
    user = get_user_model()
    groups = user.groups.through._meta
    direct = user.user_permissions.through._meta
    permission = Permission._meta.db_table
    owner = f"{user._meta.model_name}_id"
    granted = f"""
        SELECT 1 FROM {permission} p JOIN django_content_type c ON c.id = p.content_type_id
        WHERE c.app_label = 'customers' AND p.codename = 'view_customer' AND (
            p.id IN (SELECT permission_id FROM {direct.db_table} WHERE {owner} = u.id)
            OR p.id IN (SELECT gp.permission_id FROM {Group.permissions.through._meta.db_table} gp
                JOIN {groups.db_table} ug ON ug.group_id = gp.group_id
                WHERE ug.{owner} = u.id))"""
    return (
        f"SELECT t.digest, t.expiry, u.is_active, u.is_superuser OR EXISTS ({granted})"
        f" FROM {AuthToken._meta.db_table} t JOIN {user._meta.db_table} u ON u.id = t.user_id"
        " WHERE t.token_key = %s"
    )


STATEMENTS = _statements()
ACCESS = _access_sql()
PREFIX = "token "


def _like(term: str) -> str:
    """Django's istartswith pattern: %, _ and \\ escaped, then %."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Floor:
    def __init__(self) -> None:
        database = settings.DATABASES["default"]
        self.connect = {
            "dbname": database["NAME"],
            "user": database["USER"],
            "password": database["PASSWORD"],
            "host": database["HOST"],
            "port": database["PORT"] or None,
            "autocommit": True,
            # Bounded as the project's own connections are; UTC as Django's.
            "connect_timeout": 10,
            "options": "-c TimeZone=UTC -c statement_timeout=10000",
        }
        self.local = threading.local()

    def cursor(self) -> psycopg.Cursor:
        connection = getattr(self.local, "connection", None)
        if connection is None or connection.closed:
            connection = self.local.connection = psycopg.connect(**self.connect)
        return connection.cursor()

    def allowed(self, environ) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header[: len(PREFIX)].lower() != PREFIX or " " in header[len(PREFIX) :]:
            return False
        token = header[len(PREFIX) :]
        with self.cursor() as cursor:
            found = cursor.execute(ACCESS, (token[: CONSTANTS.TOKEN_KEY_LENGTH],)).fetchall()
        now = datetime.now(UTC)
        try:
            digest = hash_token(token)
        except (TypeError, ValueError):
            return False
        return any(
            compare_digest(digest, stored) and (expiry is None or expiry > now) and active and may
            for stored, expiry, active, may in found
        )

    def rows(self, name: str, params: tuple) -> list[dict]:
        with self.cursor() as cursor:
            cursor.execute(STATEMENTS[name][0], params)
            return [dict(zip(FIELDS, row, strict=True)) for row in cursor]

    def page(self, environ, name: str, params: tuple, current: str | None = None) -> bytes:
        scheme = "https" if environ.get("HTTP_X_FORWARDED_PROTO") == "https" else "http"
        query = environ.get("QUERY_STRING", "")
        uri = f"{scheme}://{environ['HTTP_HOST']}{environ['PATH_INFO']}" + (
            f"?{query}" if query else ""
        )
        rows = self.rows(name, params)
        return Page(uri, rows, PAGE_SIZE, POSITION, current is not None, 0, False, current).body()

    def answer(self, environ) -> bytes | None:
        """The body for a read this floor answers; None for Django's."""
        path, query = environ["PATH_INFO"], parse.parse_qs(environ.get("QUERY_STRING", ""))
        if path == API and not query:
            return self.page(environ, "list", STATEMENTS["list"][1])
        if path == API and list(query) == ["cursor"]:
            tokens = parse.parse_qs(b64decode(query["cursor"][0]).decode("ascii"))
            if list(tokens) != ["p"]:
                return None
            current = tokens["p"][0]
            params = tuple(current if p == EPOCH else p for p in STATEMENTS["deep"][1])
            return self.page(environ, "deep", params, current)
        if path == API and list(query) == ["search"]:
            term = query["search"][0].strip()
            if not term or len(term) > SEARCH_MAX:
                return None
            marks = {_like(MARK): _like(term), _like(MARK.lower()): _like(term.lower())}
            params = tuple(marks.get(p, p) for p in STATEMENTS["search"][1])
            return self.page(environ, "search", params)
        if (match := DETAIL.match(path)) and not query:
            rows = self.rows("detail", (int(match[1]),))
            return json_body(rows[0]) if rows else None
        return None

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or not self.allowed(environ):
            return None
        body = self.answer(environ)
        if body is None:
            return None
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("X-Benchmark-Floor", "bare"),
            ],
        )
        return [body]


def wrap(django):
    """The project's WSGI application, but that a request carrying the
    floor's header is answered by the bare floor where it can be."""
    floor = Floor()

    def application(environ, start_response):
        if HEADER in environ:
            answered = floor(environ, start_response)
            if answered is not None:
                return answered
        return django(environ, start_response)

    return application
