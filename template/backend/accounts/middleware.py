"""The absolute session lifetime.

Django ends a session that has been idle for SESSION_COOKIE_AGE (the
session is saved on every request, so each request moves its expiry). This
ends one that is older than SESSION_ABSOLUTE_SECONDS since its log-in,
however active, so a stolen session cookie stops working within a bound.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

LOGGED_IN_AT = "_logged_in_at"


@receiver(user_logged_in, dispatch_uid="session_logged_in_at")
def stamp_log_in(sender, request, user, **kwargs) -> None:
    request.session[LOGGED_IN_AT] = int(time.time())


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            # A session without the stamp predates it: treat it as expired.
            logged_in_at = request.session.get(LOGGED_IN_AT, 0)
            if time.time() - logged_in_at > settings.SESSION_ABSOLUTE_SECONDS:
                request.session_ended_because = "expired"  # type: ignore[attr-defined]  # read with getattr by security.py
                logout(request)
        return self.get_response(request)
