from django.core.exceptions import ValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CustomerCursorPagination(CursorPagination):
    """Newest first, by cursor: every page is one index range scan.

    Page-number pagination counts the whole table (COUNT(*)) and skips rows
    with OFFSET on every page, which grows with the table; a cursor costs the
    same on page 1 and page 20,000.
    """

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is base64 the client can rewrite: DRF rejects one that does
        # not decode, but a decodable one whose position is not a timestamp
        # only fails when the queryset is filtered by it, with Django's
        # ValidationError, which DRF would let through as a 500.
        try:
            return super().paginate_queryset(queryset, request, view)
        except ValidationError:
            raise exceptions.NotFound(self.invalid_cursor_message) from None

    def get_page_size(self, request) -> int | None:
        # DRF falls back to the default, silently, for a page size it cannot
        # read; like the filters, this refuses it. One over the maximum is
        # capped (as DRF does), measured before int(), which is slow on
        # thousands of digits and raises past 4,300.
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        digits = value.lstrip("0")
        if not (value.isascii() and value.isdigit() and digits):
            raise exceptions.ValidationError(
                {self.page_size_query_param: ["Enter a whole number, 1 or more."]}
            )
        if len(digits) > len(str(self.max_page_size)):
            return self.max_page_size
        return min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, at most {self.max_page_size} (a larger number gives"
                    f" {self.max_page_size}); {self.page_size} when not given."
                )
        return parameters

    def get_paginated_response_schema(self, schema: dict) -> dict:
        # DRF's says "nullable", which OpenAPI 3.1 (plain JSON Schema) dropped;
        # both links are always there, null on the first and last page.
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }
