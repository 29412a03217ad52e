"""A second factor required for some users before the API serves them.

django-allauth lets a user add a second factor, and asks for it at every
log-in once there is one; it has no way to require one. This middleware
does: a logged-in user who must have one (staff and managers with
SECOND_FACTOR_FOR_STAFF, everyone with SECOND_FACTOR_FOR_EVERYONE) and has
none gets 403 ``second_factor_required`` everywhere but where they log in,
log out and add one, and where the page learns who they are.

API tokens are not concerned: DRF authenticates them inside the view, after
every middleware, so the user is anonymous here.
"""

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .roles import MANAGERS

HEADLESS = "/api/auth/browser/v1/"
# Log-in, log-out, reauthentication and the second factor's own steps; the
# authenticators (TOTP, recovery codes); allauth's configuration; the page's
# who-am-I and CSRF bootstrap.
OPEN = (
    f"{HEADLESS}auth/",
    f"{HEADLESS}account/authenticators",
    f"{HEADLESS}config",
    "/api/auth/me/",
    "/api/auth/csrf/",
)
REQUIRED = {
    "detail": "Add a second factor (an authenticator app) to your account first.",
    "code": "second_factor_required",
}


def is_required(user) -> bool:
    """Whether this user must have a second factor."""
    if settings.SECOND_FACTOR_FOR_EVERYONE:
        return True
    if not settings.SECOND_FACTOR_FOR_STAFF:
        return False
    return bool(user.is_staff or user.groups.filter(name=MANAGERS).exists())


def is_missing(user) -> bool:
    """A logged-in user who must have a second factor and has none."""
    return bool(user.is_authenticated and is_required(user) and not is_mfa_enabled(user))


def open_paths() -> tuple[str, ...]:
    """Where a user without the second factor they need may still go."""
    if settings.HEADLESS_ONLY:
        return OPEN
    # No page (allauth's HTML views serve the admin's log-in): its log-in,
    # second step and log-out (accounts.admin_urls), so such a user can at
    # least log out.
    return (*OPEN, f"/{settings.ADMIN_PATH}log-in/", f"/{settings.ADMIN_PATH}log-out/")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(open_paths()) and is_missing(request.user):
            return JsonResponse(REQUIRED, status=403)
        return self.get_response(request)
