from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict, ErrorList
from django_filters.filters import CharFilter, Filter, TypedChoiceFilter
from django_filters.filterset import FilterSet
from django_filters.utils import translate_validation

from . import addresses
from .models import Customer
from .search import search


class CustomerFilter(FilterSet):
    """Exact filters use the table's indexes; ``search`` matches name or email prefixes."""

    email = CharFilter(method="filter_email")
    # Strict, unlike BooleanFilter, which ignores a value it cannot read.
    is_active = TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    search = CharFilter(method="filter_search", max_length=100)
    # Made by django-filter's metaclass from the filters above.
    base_filters: ClassVar[dict[str, Filter]]

    class Meta:
        model = Customer
        fields = ["email", "first_name", "last_name", "is_active"]

    def filter_email(self, queryset, name, value):
        # As the address is stored; one stored before normalization (that has
        # no normalized form) as it was: lower-cased.
        try:
            email = addresses.normalized(value)
        except addresses.InvalidAddressError:
            email = value.strip().lower()
        return queryset.filter(email=email)

    def filter_search(self, queryset, name, value):
        # Declared last, so it runs after the other filters: customers.search
        # needs them on the queryset it is given.
        return _searched(queryset, value, self.request)

    @classmethod
    def search_alone(cls, queryset: QuerySet, request) -> QuerySet:
        """What the filterset answers for a request whose only filter is
        ``search``: the term read and checked by the same form field, errors
        in the same words, without building the filterset and its form."""
        field = cls.base_filters["search"].field
        try:
            value = field.clean(
                field.widget.value_from_datadict(request.query_params, {}, "search")
            )
        except ValidationError as error:
            raise translate_validation(ErrorDict(search=ErrorList(error.error_list))) from None
        return _searched(queryset, value, request)


def _searched(queryset: QuerySet, value: str, request) -> QuerySet:
    term = value.strip()
    if not term:
        return queryset
    return search(queryset, term, request)
