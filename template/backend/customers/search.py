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
order, on every page.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet
from rest_framework.pagination import CursorPagination


def conditions(term: str) -> list[Q]:
    # E-mail addresses are stored lower-cased, as the unique index needs.
    return [
        Q(last_name__istartswith=term),
        Q(first_name__istartswith=term),
        Q(email__istartswith=term.lower()),
    ]


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
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(reduce(or_, conditions(term)))
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
