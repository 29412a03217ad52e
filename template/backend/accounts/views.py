"""The page's session: a CSRF bootstrap, who am I, the password change's
check of the current password, the password-reset request's answer time,
and the JSON answer to a CSRF failure.

Log-in, log-out, the second factor and password reset are django-allauth's
(headless, browser client) under /api/auth/browser/v1/; machine clients use
API tokens instead (management commands; see the backend's README). nginx
limits /api/auth/ per client address; failed log-ins lock out a username
from a client address, or a client address (accounts.lockout).
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import cast

from allauth.account.adapter import get_adapter
from allauth.headless.account.inputs import ChangePasswordInput
from allauth.headless.account.views import ChangePasswordView
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import get_token
from django.views.csrf import csrf_failure as html_csrf_failure
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .second_factor import is_required
from .serializers import describe

# What the views answer, for the API's schema (the project's openapi.py adds the errors).
CSRF_TOKEN = inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()})
CURRENT_USER = inline_serializer(
    "CurrentUser",
    {
        "username": serializers.CharField(),
        "groups": serializers.ListField(child=serializers.CharField()),
        "permissions": serializers.ListField(child=serializers.CharField()),
        "second_factor": inline_serializer(
            "SecondFactor",
            {"required": serializers.BooleanField(), "enrolled": serializers.BooleanField()},
        ),
    },
)


class CsrfView(APIView):
    """Sets the CSRF cookie (get_token does) and returns its token, for the
    X-CSRFToken header."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=CSRF_TOKEN)
    def get(self, request: Request) -> Response:
        return Response({"csrfToken": get_token(request)})


class MeView(APIView):
    """Who is logged in, what they may do, and whether they must add a second
    factor before anything else (the page then leads them to it)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CURRENT_USER)
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never the anonymous user
        second_factor = {"required": is_required(user), "enrolled": is_mfa_enabled(user)}
        return Response({**describe(user), "second_factor": second_factor})


class CheckedPasswordChangeInput(ChangePasswordInput):
    """allauth's password change, whose current password is checked as a
    log-in is (allauth compares it itself): django-axes counts a wrong one
    and locks out whoever keeps guessing, and the security log names it."""

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        current: str = self.cleaned_data["current_password"]
        # Tells the security log this failure is a password change's.
        self.request.security_event = "password_change_failed"  # type: ignore[attr-defined]  # read with getattr by security.py
        checked = authenticate(self.request, username=self.user.get_username(), password=current)
        # A lock-out (request.axes_locked_out) is answered 429 by AxesMiddleware.
        if checked is None or checked.pk != self.user.pk:
            raise get_adapter().validation_error("enter_current_password")
        return current


class PasswordChangeView(ChangePasswordView):
    input_class = CheckedPasswordChangeInput

    def get_input_kwargs(self) -> dict:
        return {**super().get_input_kwargs(), "request": self.request}


def answered_after_the_floor(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """The view, answering no sooner than PASSWORD_RESET_ANSWER_SECONDS
    after the request: a reset for an address with an account does more
    (a key's user, a queued mail) than one for an address without, and the
    time must not tell them apart any more than the answer does."""

    @wraps(view)
    def padded(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        started = time.monotonic()
        response = view(request, *args, **kwargs)
        time.sleep(max(0.0, settings.PASSWORD_RESET_ANSWER_SECONDS - (time.monotonic() - started)))
        return response

    return padded


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal: JSON under /api/, in DRF's words, so the page
    can tell it from any other 403 and fetch a new token."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return html_csrf_failure(request, reason)
