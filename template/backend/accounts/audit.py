"""Who changed a customer, and from where: the actor of the audit trail.

django-auditlog records every create, update and delete of a registered
model (customers.models) with the actor and the address of the current
context. Two things differ from its stock middleware here:

- the address is REMOTE_ADDR, set by TrustedProxyMiddleware, never
  X-Forwarded-For, which a client can write;
- the API's views name the actor themselves (``recorded_as``): DRF
  authenticates API tokens inside the view, after every middleware has run,
  so a middleware would see an anonymous user there. The middleware covers
  the rest (the admin). auditlog's contexts must not nest: the outer one's
  signal receiver would never be disconnected.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.context import set_actor
from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditMiddleware(AuditlogMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse
        if request.path_info.startswith(API_PREFIX):
            response = self.get_response(request)
        else:
            response = super().__call__(request)
        return response

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return _address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> None:
        # Only a client would send X-Forwarded-Port here: nginx does not.
        return None


@contextmanager
def recorded_as(request) -> Iterator[None]:
    """Changes made inside are recorded as the request's user (DRF's, so a
    token's user too) from the request's client address."""
    with set_actor(request.user, remote_addr=_address(request)):
        yield
