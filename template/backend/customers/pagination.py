from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
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
            raise NotFound(self.invalid_cursor_message) from None

    def get_paginated_response_schema(self, schema: dict) -> dict:
        # DRF's says "nullable", which OpenAPI 3.1 (plain JSON Schema) dropped;
        # both links are always there, null on the first and last page.
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }
