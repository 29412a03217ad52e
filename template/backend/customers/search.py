"""The list's search: customers whose last name, first name or e-mail starts
with the term, case-insensitively (Django's istartswith: ``UPPER(column) LIKE
UPPER('term%')``, with ``%``, ``_`` and ``\\`` in the term escaped).

Asked as one OR of the three conditions, PostgreSQL must either fetch every
match from the table and sort them all, or walk the ``created_at`` index
newest first, filtering every row, until a page is full. Its cost model
counts that filter as nearly free, so it walks for most terms once its
statistics are accurate, and for about one term in ten even at the default
statistics target; the walk reads tens of thousands of rows for a page, the
whole index for a term whose customers are old or few (tens to hundreds of
milliseconds at a million customers, against about one).

So on PostgreSQL each condition is a subquery of its own, ordered as the
page is and limited to the rows the page can use; the covering
indexes of migration 0003 answer each one without reading the table, and
the page is read from the union of those three short lists, at most a few
hundred primary keys. The cursor's position and offset, which the paginator
applies to the outer query, are applied inside each subquery too, so the
short lists hold every row the page can show: the same rows, in the same
order, on every page. Without other filters, the usual search, the three
subqueries are SQL written once per shape of page with the values bound,
not compiled again by the ORM on every request.
"""

from functools import cache, reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.pagination import CursorPagination

from .models import Customer

_FIELDS = {field.name: field for field in Customer._meta.concrete_fields}
# The columns of conditions() below, and the value each is matched against.
_COLUMNS = (("last_name", str), ("first_name", str), ("email", str.lower))
_COMPARISONS = {"lt": "<", "gt": ">"}


def conditions(term: str) -> list[Q]:
    # E-mail addresses are stored lower-cased, as the unique index needs.
    return [Q(**{f"{column}__istartswith": form(term)}) for column, form in _COLUMNS]


def search(queryset: QuerySet, term: str, request) -> QuerySet:
    """``queryset`` narrowed to the customers ``term`` finds.

    ``queryset`` must already carry every other filter of the request: each
    subquery keeps only the newest rows it finds, which must be rows the
    page may show.
    """
    window = page_window(queryset, request)
    if window is None:
        return queryset.filter(reduce(or_, conditions(term)))
    return within_window(queryset, term, *window)


def within_window(
    queryset: QuerySet, term: str, ordering: list[str], position: dict, rows: int
) -> QuerySet:
    """``search`` for a page the paginator reads as ``ordering``, below the
    cursor's ``position`` (a filter), ``rows`` rows at most."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.filter(reduce(or_, conditions(term)))
    if queryset.query.has_filters():
        # Other filters of the request: the ORM writes them into each subquery.
        try:
            first, *others = [
                queryset.filter(condition, **position).order_by(*ordering).values("pk")[:rows]
                for condition in conditions(term)
            ]
        except ValidationError:
            # A cursor that decodes to a position of the wrong type: the
            # paginator answers it with its 404 when it filters by it too.
            return queryset.filter(reduce(or_, conditions(term)))
        return queryset.filter(pk__in=first.union(*others))
    # The search alone (nearly every search) is the same statement each time
    # but for its values: the ORM would compile its three subqueries again on
    # every request, so it is written once per shape of page and bound here.
    try:
        bound = [
            _FIELDS[name.split("__")[0]].get_db_prep_value(value, connection)
            for name, value in position.items()
        ]
    except ValidationError:
        return queryset.filter(reduce(or_, conditions(term)))
    params: list = []
    for _, form in _COLUMNS:
        # Django's istartswith: LIKE's wildcards and escape in the term matched literally.
        params += [f"{connection.ops.prep_for_like_query(form(term))}%", *bound, rows]
    union = RawSQL(_union(tuple(ordering), tuple(position)), params)  # noqa: S611 (values bound)
    return queryset.filter(pk__in=union)


@cache
def _union(ordering: tuple[str, ...], position: tuple[str, ...]) -> str:
    """The three subqueries of ``within_window`` for the customers table
    alone, as the ORM writes them, with the values as parameters."""
    order = ", ".join(
        f"{_column(field.lstrip('-'))} {'DESC' if field.startswith('-') else 'ASC'}"
        for field in ordering
    )
    below = "".join(
        f" AND {_column(name)} {_COMPARISONS[lookup]} %s"
        for name, lookup in (condition.split("__") for condition in position)
    )
    return " UNION ".join(
        f'(SELECT {_column("id")} FROM "{Customer._meta.db_table}"'  # noqa: S608 (names)
        f" WHERE UPPER({_column(column)}::text) LIKE UPPER(%s){below}"
        f" ORDER BY {order} LIMIT %s)"
        for column, _ in _COLUMNS
    )


def _column(name: str) -> str:
    return f'"{_FIELDS[name].column}"'


def page_window(queryset: QuerySet, request) -> tuple[list[str], dict, int] | None:
    """The ordering, cursor condition and row count the list's cursor paginator
    will ask of ``queryset`` for this request (as DRF's CursorPagination
    computes them), or None for a request that is not a paginated list."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    paginator = getattr(view, "paginator", None)
    if (
        view is None
        or getattr(view, "action", None) != "list"
        or not isinstance(paginator, CursorPagination)
    ):
        return None
    page_size = paginator.get_page_size(request)
    if not page_size:
        return None
    ordering = list(paginator.get_ordering(request, queryset, view))
    # A cursor that does not decode is a 404 here, as in the paginator.
    cursor = paginator.decode_cursor(request)
    if cursor is None:
        return ordering, {}, page_size + 1
    position = {}
    if cursor.position is not None:
        first = ordering[0]
        after = "lt" if cursor.reverse != first.startswith("-") else "gt"
        position = {f"{first.lstrip('-')}__{after}": cursor.position}
    if cursor.reverse:
        ordering = [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]
    return ordering, position, cursor.offset + page_size + 1
