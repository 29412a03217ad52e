"""The lean floor: what the customers API does for list, search, detail
and create, as plain Django views, served with no middleware at all
(settings.py). It authenticates the same way (the API's token
authentication class, the same model permissions), runs the same queries
(the same filter for search, the same statement for detail, the same
checks and audit trail for create) and answers the same JSON bytes (DRF's
cursor pagination and its renderer's format, done by hand in pages.py);
the benchmark checks those bytes."""

import json
from base64 import b64decode
from urllib import parse

from accounts.audit import recorded_as
from customers import reads
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
from django.utils.module_loading import import_string
from rest_framework.exceptions import AuthenticationFailed, ValidationError

from .pages import DATETIMES, Page, json_body

FIELDS = CustomerSerializer.Meta.fields
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


def answer(body: bytes, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    response[ANSWERED_BY] = "lean"  # the benchmark checks the floor answered, not the API
    return response


def json_response(data, status: int = 200) -> HttpResponse:
    return answer(json_body(data), status)


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


def read_page(request, queryset, term: str = "") -> Page:
    """CursorPagination.paginate_queryset over .values() rows."""
    size = PAGE_SIZE
    if "page_size" in request.GET:
        try:
            asked = int(request.GET["page_size"])
            if asked > 0:
                size = min(asked, MAX_PAGE_SIZE)
        except ValueError:
            pass
    cursor = "cursor" in request.GET
    offset, reverse, current = 0, False, None
    if cursor:
        tokens = parse.parse_qs(
            b64decode(request.GET["cursor"].encode("ascii")).decode("ascii"),
            keep_blank_values=True,
        )
        offset = min(int(tokens.get("o", ["0"])[0]), 1000)
        if offset < 0:
            raise ValueError(offset)
        reverse = bool(int(tokens.get("r", ["0"])[0]))
        current = tokens.get("p", [None])[0]
    ordering = [o[1:] if o[0] == "-" else f"-{o}" for o in ORDERING] if reverse else ORDERING
    position = {}
    if current is not None:
        lookup = "lt" if reverse != ORDERING[0].startswith("-") else "gt"
        position = {f"{POSITION}__{lookup}": current}
    if term:
        queryset = within_window(queryset, term, list(ordering), position, offset + size + 1)
    queryset = queryset.order_by(*ordering).filter(**position)
    rows = list(queryset.values(*FIELDS)[offset : offset + size + 1])
    return Page(
        request.build_absolute_uri(), rows, size, POSITION, cursor, offset, reverse, current
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
        page = read_page(request, queryset, term)
    except (TypeError, ValueError, DjangoValidationError):
        return json_response({"detail": "Invalid cursor"}, 404)
    return answer(page.body())


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
    return json_response(row, 201)


def detail(request, pk: int) -> HttpResponse:
    if (refused := denied(request)) is not None:
        return refused
    if request.method != "GET":
        return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
    # The API's own read (one statement written once, as its search is the
    # API's SQL too): what is measured against it is the rest of the request.
    row = reads.one(Customer.objects.all(), pk)
    if row is None:
        try:
            row = Customer.objects.values(*FIELDS).get(pk=pk)
        except Customer.DoesNotExist:
            return json_response({"detail": "No Customer matches the given query."}, 404)
    return json_response(row)
