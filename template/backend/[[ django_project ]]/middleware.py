"""Request middleware: the client's real address, request ids and access logs,
and no caching of API answers."""

import functools
import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .logs import request_id, routed_path

access_log = logging.getLogger(f"{__package__}.access")
slow_log = logging.getLogger(f"{__package__}.performance")

# An incoming X-Request-ID (nginx's $request_id, or a caller's) is kept only
# if it looks like an id: it ends up in logs and response headers.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


# An IPv6 address (39 characters, or 45 with an IPv4 tail) and a scope of
# up to 15 (Linux's interface names), with room to spare.
MAX_ADDRESS_LENGTH = 64


class TrustedProxyMiddleware:
    """Sets REMOTE_ADDR to the client's address when a trusted proxy forwarded it.

    X-Forwarded-For is read right to left, skipping the trusted proxies; the
    first other address is the client. A request that did not come from a
    trusted proxy keeps its own peer address and loses its X-Forwarded-*
    headers, so a client can choose neither the address it is logged and
    rate-limited under nor whether Django believes it used HTTPS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = [
            ipaddress.ip_network(cidr, strict=False) for cidr in settings.TRUSTED_PROXIES
        ]
        # The same few addresses come on nearly every request (the proxy's,
        # the busiest clients'): each is parsed and looked up once.
        self._known = functools.lru_cache(maxsize=1024)(self._parse)

    def address(self, text: str) -> tuple[str | None, bool]:
        """The address written as Python writes it (None if it is none), and
        whether it is a trusted proxy's."""
        # No address is longer (IPv6 with an interface's scope): the cache
        # holds at most 1,024 short strings, whatever a client sends.
        if len(text) > MAX_ADDRESS_LENGTH:
            return None, False
        return self._known(text)

    def _parse(self, text: str) -> tuple[str | None, bool]:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return None, False
        return str(ip), any(ip in network for network in self.trusted)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        if not self.address(peer)[1]:
            # Only a trusted proxy may say whom and over which scheme it
            # forwarded: SECURE_PROXY_SSL_HEADER must never see a client's own.
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
            request.META.pop("HTTP_X_FORWARDED_FOR", None)
            return self.get_response(request)
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            for hop in reversed([part.strip() for part in forwarded.split(",")]):
                address, trusted = self.address(hop)
                if not trusted:
                    # A garbled hop leaves the proxy's own address in place.
                    if address is not None:
                        request.META["REMOTE_ADDR"] = address
                    break
        return self.get_response(request)


class RequestLogMiddleware:
    """Gives every request an id and writes one structured access line for it.

    Requests slower than SLOW_REQUEST_THRESHOLD_SECONDS are also logged as a
    warning on the performance logger, with the same fields.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.threshold = settings.SLOW_REQUEST_THRESHOLD_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("x-request-id", "")
        current = incoming if _REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
        token = request_id.set(current)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response["X-Request-ID"] = current
            fields = {
                "method": request.method,
                "path": routed_path(request),
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "client": request.META.get("REMOTE_ADDR", ""),
            }
            access_log.info("request", extra=fields)
            if duration > self.threshold:
                slow_log.warning(
                    "slow request", extra={**fields, "threshold_ms": self.threshold * 1000}
                )
            return response
        finally:
            request_id.reset(token)


class NoStoreMiddleware:
    """API answers carry customer data: no cache, the browser's or a proxy's
    on the way, may keep a copy of one (``Cache-Control: no-store``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response
