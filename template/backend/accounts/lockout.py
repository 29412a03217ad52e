"""Failed log-ins, counted so that guessing stops and owners still get in.

Three limits, each over LOGIN_LOCKOUT_SECONDS (django-axes' cool-off):

- A username from one client address (django-axes' lock-out): after
  LOGIN_FAILURE_LIMIT failures that pair is refused, the right password
  included; the owner, from their own address, is not.
- A client address, whatever the usernames (password spraying): after
  LOGIN_CLIENT_FAILURE_LIMIT failures the address is refused.
- A username from many addresses (the brake): after LOGIN_USERNAME_BRAKE
  failures from anywhere, one failure locks an address out for it instead of
  LOGIN_FAILURE_LIMIT. Every address gets one guess where it had several;
  an address that has not failed, the owner's, is never refused.

A refused attempt counts as a failure, so it restarts its lock-out: who keeps
trying stays locked out, and the full cool-off is what is left to wait.

The counts are django-axes' own: its rows in the database, or its cache when
it counts in Redis, where the client's and the username's counts are kept
next to its own.
"""

from hashlib import sha256

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .notices import locked_out_notice

LOCKED_OUT = "Too many failed log-ins. Try again later."


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, which TrustedProxyMiddleware has set to the real client's
    address; never a header the client could choose."""
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def retry_after() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _counted_in_cache() -> bool:
    return str(settings.AXES_HANDLER).endswith(".CacheHandler")


def _cache_key(kind: str, value: str) -> str:
    return f"lockout-{kind}-{sha256(value.encode()).hexdigest()}"


def failures(*, username: str | None = None, address: str | None = None) -> int:
    """Failed log-ins within the cool-off, for a username or a client address."""
    kind, field, value = (
        ("username", "username", username)
        if username is not None
        else ("client", "ip_address", address or "")
    )
    if _counted_in_cache():
        count: int = get_cache().get(_cache_key(kind, value), 0)
        return count
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME, **{field: value}
    )
    total: int | None = recent.aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """AXES_FAILURE_LIMIT: failures before a username and address pair is
    locked out; one while the username is braked."""
    username = get_client_username(request, credentials)
    if username and failures(username=username) >= settings.LOGIN_USERNAME_BRAKE:
        return 1
    limit: int = settings.LOGIN_FAILURE_LIMIT
    return limit


def client_locked_out(request: HttpRequest) -> bool:
    return failures(address=client_address(request)) >= settings.LOGIN_CLIENT_FAILURE_LIMIT


class Backend(AxesStandaloneBackend):
    """django-axes' backend, which refuses a locked-out username and address
    pair, and also refuses a locked-out address whatever the username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and client_locked_out(request):
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("The client address is locked out.")
        return super().authenticate(request, username, password, **kwargs)


class CacheHandler(AxesCacheHandler):
    """django-axes' cache handler, which also counts each failure per username
    and per client address, before it decides on a lock-out."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            cache = self.cache
            username = get_client_username(request, credentials) or ""
            for key in (
                _cache_key("username", username),
                _cache_key("client", client_address(request)),
            ):
                if not cache.add(key, 1, timeout=retry_after()):
                    cache.incr(key)
                    cache.touch(key, timeout=retry_after())
        super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        """axes_reset_ip and axes_reset_username: the address's and the
        username's own counts too."""
        count: int = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        cache = self.cache
        for kind, value in (("client", ip_address), ("username", username)):
            if value and cache.delete(_cache_key(kind, value)):
                count += 1
        return count


@receiver(user_locked_out, dispatch_uid="lockout_reported")
def reported(sender, request, **kwargs) -> None:
    request.lockout_reported = True


@receiver(user_login_failed, dispatch_uid="lockout_client")
def lock_out_client(sender, credentials, request=None, **kwargs) -> None:
    """After django-axes has counted a failure: the address is locked out
    from the one that reaches its limit, reported once an attempt."""
    if request is None or not client_locked_out(request):
        return
    request.axes_locked_out = True
    if not getattr(request, "lockout_reported", False):
        username = credentials.get("username")
        user_locked_out.send(
            "accounts", request=request, username=username, ip_address=client_address(request)
        )


@receiver(user_locked_out, dispatch_uid="lockout_owner_told")
def tell_the_owner(sender, request, username, **kwargs) -> None:
    """Mail the owner of the username that was locked out, once a cool-off
    (the signal comes again with every refused attempt): someone may be
    guessing their password. Nothing for a username nobody has, and nothing
    in the request: the worker sends it."""
    if not username or not get_cache().add(_cache_key("told", username), 1, retry_after()):
        return
    owner = get_user_model().objects.filter(username=username, is_active=True).first()
    if owner is not None:
        transaction.on_commit(lambda: locked_out_notice.enqueue(owner.pk))


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After, for the API's log-in and the admin's alike.

    Every refused attempt restarts the cool-off, so the full cool-off is
    exactly how long the client must wait from now.
    """
    locked = JsonResponse({"detail": LOCKED_OUT}, status=429)
    locked["Retry-After"] = str(retry_after())
    return locked
