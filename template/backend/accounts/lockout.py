"""django-axes hooks: whom a log-in attempt is counted against, and the
answer while a client or an account is locked out."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

LOCKED_OUT = "Too many failed log-ins. Try again later."


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, which TrustedProxyMiddleware has set to the real client's
    address; never a header the client could choose."""
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def retry_after() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After, for the API's log-in and the admin's alike.

    Every refused attempt restarts the cool-off (axes' default), so the full
    cool-off is exactly how long the client must wait from now.
    """
    locked = JsonResponse({"detail": LOCKED_OUT}, status=429)
    locked["Retry-After"] = str(retry_after())
    return locked
