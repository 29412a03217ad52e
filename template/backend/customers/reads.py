"""Customers as the API reads them out: database rows straight to JSON values.

CustomerSerializer is the API's contract (and its schema), and it still
validates every write and renders every write's answer. For reads it would
build a model instance per row and walk its fields one by one, half of what a
list costs the worker; these read the same columns with ``.values()`` and
convert each value exactly as the serializer's field for it does, so the
answer is byte for byte the serializer's (tests/test_customer_reads.py).
"""

from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from functools import cache

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from .models import Customer
from .serializers import CustomerSerializer

# Fields whose representation is the value the database driver returns:
# CharField and EmailField give str(value) and IntegerField int(value) of a
# str and an int, BooleanField True or False for a bool.
_AS_STORED = (serializers.CharField, serializers.IntegerField, serializers.BooleanField)


def _iso_datetime(value: datetime | None, zone: tzinfo) -> str | None:
    # DateTimeField: ISO 8601 in the current time zone, UTC written as Z.
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def plan(serializer_class: type[serializers.Serializer]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The serializer's field names in its order, and those that are datetimes.

    A field of any other kind (or a datetime in another format) is refused at
    import, so the serializer cannot gain a field these would render wrong.
    """
    names, datetimes = [], []
    for name, field in serializer_class().fields.items():
        where = f"{serializer_class.__name__}.{name}"
        if field.source != name:
            raise ImproperlyConfigured(f"{where}: reads need a field named as its column")
        if isinstance(field, serializers.DateTimeField):
            output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
            if output_format is None or output_format.lower() != ISO_8601:
                raise ImproperlyConfigured(f"{where}: reads write ISO 8601 only")
            datetimes.append(name)
        elif not isinstance(field, _AS_STORED):
            raise ImproperlyConfigured(
                f"{where}: no exact read conversion for a {type(field).__name__}"
            )
        names.append(name)
    return tuple(names), tuple(datetimes)


FIELDS, _DATETIMES = plan(CustomerSerializer)


def rows(queryset: QuerySet) -> QuerySet:
    """The queryset's customers as dicts of the serialized fields' columns."""
    return queryset.values(*FIELDS)


def one(queryset: QuerySet, pk: str | int) -> dict | None:
    """``rows(queryset).get(pk=pk)``, for the whole table on PostgreSQL, by
    one statement written once: the ORM would build and compile the same
    query again on every request, about a quarter of a detail's
    instructions. None for a queryset that is filtered, an id that is not
    one, and a customer not found: the ORM's way answers those, as before."""
    connection = connections[queryset.db]
    if (
        connection.vendor != "postgresql"
        or queryset.model is not Customer
        or queryset.query.has_filters()
    ):
        return None
    # As the ORM converts an id (IntegerField.get_prep_value); out of the
    # column's range PostgreSQL would refuse it, which the ORM answers as
    # not found.
    try:
        key = int(pk)
    except ValueError:
        return None
    low, high = connection.ops.integer_field_range(Customer._meta.pk.get_internal_type())
    if not low <= key <= high:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_one_statement(), [key])
        found = cursor.fetchone()
    return None if found is None else dict(zip(FIELDS, found, strict=True))


@cache
def _one_statement() -> str:
    """One customer by primary key, the serialized fields' columns (as
    PostgreSQL quotes names)."""
    column = {field.name: field.column for field in Customer._meta.concrete_fields}
    columns = ", ".join(f'"{column[name]}"' for name in FIELDS)
    table, key = Customer._meta.db_table, Customer._meta.pk.column
    return f'SELECT {columns} FROM "{table}" WHERE "{key}" = %s'  # noqa: S608 (names)


def represent(records: Iterable[dict]) -> list[dict]:
    """What ``CustomerSerializer(many=True).data`` gives for these rows."""
    records = list(records)
    texts = _in_utc(records)
    if texts is None:
        zone = timezone.get_current_timezone()
        texts = iter(
            [_iso_datetime(record[name], zone) for record in records for name in _DATETIMES]
        )
    out = []
    for record in records:
        # A copy: the cursor pagination still reads the page's own rows for
        # the next and previous links, with their timestamps as the database gave them.
        data = record.copy()
        for name in _DATETIMES:
            data[name] = next(texts)
        out.append(data)
    return out


def _in_utc(records: list[dict]) -> Iterator[str | None] | None:
    """The rows' datetimes, row by row, as ``_iso_datetime`` writes them in
    UTC, all at once: orjson's RFC 3339 is isoformat's, UTC written as Z.
    None in another time zone, or for a datetime not in UTC."""
    if str(timezone.get_current_timezone()) != "UTC":
        return None
    stamps = [record[name] for record in records for name in _DATETIMES]
    body = orjson.dumps(stamps, option=orjson.OPT_UTC_Z)
    if body.count(b'Z"') + body.count(b"null") != len(stamps):
        return None
    texts: list[str | None] = orjson.loads(body)
    return iter(texts)
