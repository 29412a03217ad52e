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
