"""The thin path: API requests of machine clients, which carry a token.

A request under one of TOKEN_REQUEST_PATHS with ``Authorization: Token ...``
goes through a shorter middleware chain (TOKEN_REQUEST_MIDDLEWARE) than
MIDDLEWARE: what only a browser's session needs is left out (loading the
session, CSRF, messages, django-allauth's, the second factor's and
django-axes' per-request work). Nothing a browser can send gets past those
this way: on this path no session is loaded, so the view finds no user but
the token's (DRF's SessionAuthentication sees none), a missing or wrong
token is a 401 whatever cookie comes with it, and a request without the
header takes the full chain. What protects or records stays: the host
check, the HTTPS redirect and the security headers, the request id and the
access line, the metrics, the database-failure circuit; and in the view
the token, the permissions, the rate limits and the audit trail.
"""

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

# knox's prefix, compared as knox does: whatever the case.
SCHEME = "token "


def is_token_request(request: HttpRequest) -> bool:
    """An API request on a token path that names a token."""
    return (
        request.path_info.startswith(settings.TOKEN_REQUEST_PATHS)
        and request.headers.get("authorization", "")[: len(SCHEME)].lower() == SCHEME
    )


class ThinHandler(BaseHandler):
    """Django's handler around the view, with its own middleware list.

    BaseHandler.load_middleware only reads MIDDLEWARE: this builds the
    chain the same way (each middleware wrapped so that an exception
    becomes a response; their view, template-response and exception hooks
    called by BaseHandler._get_response) for synchronous middleware, which
    every one of the list is.
    """

    def __init__(self, middleware: list[str]) -> None:
        self._view_middleware: list[Callable[..., Any]] = []
        self._template_response_middleware: list[Callable[..., Any]] = []
        self._exception_middleware: list[Callable[..., Any]] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]  # BaseHandler's, which django-stubs leaves out
        for path in reversed(middleware):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        # Synchronous throughout: a response, never an awaitable.
        self.chain = cast(Callable[[HttpRequest], HttpResponse], handler)


class TokenRequestMiddleware:
    """Sends token requests down the thin chain, every other request on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.thin = ThinHandler(settings.TOKEN_REQUEST_MIDDLEWARE).chain

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_request(request):
            return self.thin(request)
        return self.get_response(request)
