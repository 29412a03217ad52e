"""The floor: what the customers API does for list, search, detail and
create, as plain Django views. It authenticates the same way (the API's
token authentication class, the same model permissions), runs the same
queries (the same filter for search, the same checks and audit trail for
create) and answers the same JSON bytes (DRF's cursor pagination and its
renderer's format, done by hand); the benchmark checks those bytes."""

import json
from base64 import b64decode, b64encode
from urllib import parse

from accounts.audit import recorded_as
from customers.filters import CustomerFilter
from customers.models import Customer
from customers.pagination import CustomerCursorPagination
from customers.search import within_window
from customers.serializers import _PHONE, CustomerSerializer, plain_text
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.exceptions import AuthenticationFailed, ValidationError

FIELDS = CustomerSerializer.Meta.fields
DATETIMES = ("created_at", "updated_at")
ORDERING = CustomerCursorPagination.ordering
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
MAX_PAGE_SIZE = CustomerCursorPagination.max_page_size
AUTHENTICATION = import_string(settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][0])()
PERMISSIONS = {"GET": "customers.view_customer", "POST": "customers.add_customer"}
DUPLICATE = "A customer with this email already exists."
ANSWERED_BY = "X-Benchmark-Floor"
POSITION = ORDERING[0].lstrip("-")
# The FilterSet's length limit on the search term; the query is the API's
# own (customers.search), given the page this view reads.
SEARCH_MAX = CustomerFilter.base_filters["search"].extra["max_length"]


def json_response(data, status: int = 200) -> HttpResponse:
    # DRF's JSONRenderer: compact, UTF-8 unescaped, U+2028/U+2029 escaped.
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    body = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    response[ANSWERED_BY] = "floor"  # the benchmark checks the floor answered, not the API
    return response


def denied(request) -> HttpResponse | None:
    """None when the token's user has the method's model permission."""
    if request.method not in PERMISSIONS:
        return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
    try:
        found = AUTHENTICATION.authenticate(request)
    except AuthenticationFailed:
        found = None
    if found is None:
        return json_response({"detail": "Authentication credentials were not provided."}, 401)
    request.user = found[0]
    if not request.user.has_perm(PERMISSIONS[request.method]):
        return json_response({"detail": "You do not have permission to perform this action."}, 403)
    return None


def represent(row: dict) -> dict:
    """A row as the serializer writes it: datetimes in ISO 8601, UTC as Z."""
    out = {name: row[name] for name in FIELDS}
    for name in DATETIMES:
        value = timezone.localtime(out[name]).isoformat()
        out[name] = value[:-6] + "Z" if value.endswith("+00:00") else value
    return out


def link(request, offset: int, reverse: bool, position: str | None) -> str:
    """DRF's encode_cursor with replace_query_param (the query sorted)."""
    tokens = {}
    if offset:
        tokens["o"] = str(offset)
    if reverse:
        tokens["r"] = "1"
    if position is not None:
        tokens["p"] = position
    cursor = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
    scheme, netloc, path, query, fragment = parse.urlsplit(request.build_absolute_uri())
    params = parse.parse_qs(query, keep_blank_values=True)
    params["cursor"] = [cursor]
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment)
    )


class Page:
    """CursorPagination.paginate_queryset and its two links, over .values() rows."""

    def __init__(self, request, queryset, term: str = "") -> None:
        self.request = request
        self.size = PAGE_SIZE
        if "page_size" in request.GET:
            try:
                asked = int(request.GET["page_size"])
                if asked > 0:
                    self.size = min(asked, MAX_PAGE_SIZE)
            except ValueError:
                pass
        self.cursor = "cursor" in request.GET
        self.offset, self.reverse, current = 0, False, None
        if self.cursor:
            tokens = parse.parse_qs(
                b64decode(request.GET["cursor"].encode("ascii")).decode("ascii"),
                keep_blank_values=True,
            )
            self.offset = min(int(tokens.get("o", ["0"])[0]), 1000)
            if self.offset < 0:
                raise ValueError(self.offset)
            self.reverse = bool(int(tokens.get("r", ["0"])[0]))
            current = tokens.get("p", [None])[0]
        ordering = (
            [o[1:] if o[0] == "-" else f"-{o}" for o in ORDERING] if self.reverse else ORDERING
        )
        position = {}
        if current is not None:
            lookup = "lt" if self.reverse != ORDERING[0].startswith("-") else "gt"
            position = {f"{POSITION}__{lookup}": current}
        if term:
            queryset = within_window(
                queryset, term, list(ordering), position, self.offset + self.size + 1
            )
        queryset = queryset.order_by(*ordering).filter(**position)
        rows = list(queryset.values(*FIELDS)[self.offset : self.offset + self.size + 1])
        self.rows = rows[: self.size]
        following = str(rows[-1][POSITION]) if len(rows) > self.size else None
        if self.reverse:
            self.rows.reverse()
            self.has_next, self.has_previous = (
                current is not None or self.offset > 0,
                following is not None,
            )
            self.next_position, self.previous_position = current, following
        else:
            self.has_next, self.has_previous = (
                following is not None,
                current is not None or self.offset > 0,
            )
            self.next_position, self.previous_position = following, current
        self.positions = [str(row[POSITION]) for row in self.rows]

    def _link(self, forward: bool) -> str:
        # DRF's get_next_link and get_previous_link, one mirrored in the other.
        positions = list(reversed(self.positions)) if forward else self.positions
        own, other = (
            (self.next_position, self.previous_position)
            if forward
            else (self.previous_position, self.next_position)
        )
        has_other = self.has_previous if forward else self.has_next
        if positions and self.cursor and self.reverse == forward and self.offset != 0:
            compare = positions[0]
        else:
            compare = own
        offset, position, unique = 0, None, False
        for offset, position in enumerate(positions):  # noqa: B007 (both read after the loop)
            if position != compare:
                unique = True
                break
            compare = position
        else:
            offset = len(positions)
        if positions and not unique:
            if not has_other:
                offset, position = self.size, None
            elif self.reverse == forward:
                offset, position = 0, other
            else:
                offset, position = self.offset + self.size, other
        if not positions:
            position = own
        return link(self.request, offset, not forward, position)

    def response(self) -> HttpResponse:
        return json_response(
            {
                "next": self._link(True) if self.has_next else None,
                "previous": self._link(False) if self.has_previous else None,
                "results": [represent(row) for row in self.rows],
            }
        )


class CustomerForm(forms.ModelForm):
    """The serializer's checks: the model's fields, then its own."""

    class Meta:
        model = Customer
        fields = tuple(f for f in FIELDS if f not in ("id", *DATETIMES))

    def _checked(self, check, name: str) -> str:
        try:
            return check(self.cleaned_data[name])
        except ValidationError as error:
            raise forms.ValidationError(error.detail) from None

    def clean_first_name(self) -> str:
        return self._checked(plain_text, "first_name")

    def clean_last_name(self) -> str:
        return self._checked(plain_text, "last_name")

    def clean_company(self) -> str:
        return self._checked(plain_text, "company")

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        if value and not _PHONE.fullmatch(value):
            raise forms.ValidationError(
                "Enter digits, spaces and + ( ) . / - only (6 to 32 characters)."
            )
        return value

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Customer.objects.filter(email=email).exists():
            raise forms.ValidationError(DUPLICATE)
        return email

    def validate_unique(self) -> None:
        """Uniqueness is clean_email's, case-insensitively, as the serializer's."""


def list_or_create(request) -> HttpResponse:
    if (refused := denied(request)) is not None:
        return refused
    if request.method == "POST":
        return create(request)
    queryset = Customer.objects.all()
    term = request.GET.get("search", "").strip()
    if len(term) > SEARCH_MAX:
        return json_response(
            {
                "search": [
                    f"Ensure this value has at most {SEARCH_MAX} characters (it has {len(term)})."
                ]
            },
            400,
        )
    try:
        return Page(request, queryset, term).response()
    except (TypeError, ValueError, DjangoValidationError):
        return json_response({"detail": "Invalid cursor"}, 404)


def create(request) -> HttpResponse:
    try:
        data = json.loads(request.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return json_response({"detail": "JSON parse error"}, 400)
    form = CustomerForm({"is_active": True, **data})
    if not form.is_valid():
        return json_response({name: list(errors) for name, errors in form.errors.items()}, 400)
    try:
        with recorded_as(request), transaction.atomic():
            customer = form.save()
    except IntegrityError:
        return json_response({"email": [DUPLICATE]}, 400)
    row = {name: getattr(customer, name) for name in FIELDS}
    return json_response(represent(row), 201)


def detail(request, pk: int) -> HttpResponse:
    if (refused := denied(request)) is not None:
        return refused
    if request.method != "GET":
        return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
    try:
        row = Customer.objects.values(*FIELDS).get(pk=pk)
    except Customer.DoesNotExist:
        return json_response({"detail": "No Customer matches the given query."}, 404)
    return json_response(represent(row))
