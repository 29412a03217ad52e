"""Log-in for the page: a CSRF bootstrap, log-in, log-out, who am I, and a
password change. Machine clients use API tokens instead (management
commands; see the backend's README).

Log-in and log-out are public, so DRF's SessionAuthentication, which checks
the CSRF token only for a logged-in session, would not check it there: they
check it themselves. nginx limits /api/auth/ per client address; failed
log-ins lock out a username from a client address, or a client address
(accounts.lockout).
"""

from typing import cast

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .lockout import lockout_response
from .notices import password_changed_notice
from .security import event
from .serializers import LoginSerializer, PasswordChangeSerializer, describe

INVALID = {"detail": "Invalid username or password."}

# What the views answer, for the API's schema (the project's openapi.py adds the errors).
CSRF_TOKEN = inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()})
_USER: dict[str, serializers.Field] = {
    "username": serializers.CharField(),
    "groups": serializers.ListField(child=serializers.CharField()),
    "permissions": serializers.ListField(child=serializers.CharField()),
}
CURRENT_USER = inline_serializer("CurrentUser", _USER)
LOGGED_IN = inline_serializer("LoggedIn", {**_USER, "csrfToken": serializers.CharField()})


def check_csrf(request: Request) -> None:
    """DRF's own CSRF check, as for a session: a 403 naming the failure."""
    SessionAuthentication().enforce_csrf(request)


class CsrfView(APIView):
    """Sets the CSRF cookie (get_token does) and returns its token, for the
    X-CSRFToken header."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=CSRF_TOKEN)
    def get(self, request: Request) -> Response:
        return Response({"csrfToken": get_token(request)})


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    checks_csrf = True
    # django-axes' lock-out answers 429.
    rate_limited = True

    @extend_schema(request=LoginSerializer, responses=LOGGED_IN)
    def post(self, request: Request) -> HttpResponse:
        check_csrf(request)
        serializer = LoginSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(INVALID, status=status.HTTP_400_BAD_REQUEST)
        # Django's request, where django-axes records the attempt and flags a
        # lock-out; a locked-out client is refused even with the right password.
        django_request = request._request
        user = authenticate(django_request, **serializer.validated_data)
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                return lockout_response(django_request)
            return Response(INVALID, status=status.HTTP_400_BAD_REQUEST)
        # A new session id and a new CSRF token: nothing from before carries over.
        login(django_request, user)
        return Response({**describe(user), "csrfToken": get_token(django_request)})


class LogoutView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    checks_csrf = True

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        check_csrf(request)
        # Deletes the session on the server, not only the browser's cookie.
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CURRENT_USER)
    def get(self, request: Request) -> Response:
        return Response(describe(request.user))


class PasswordView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    # Wrong current passwords count as failed log-ins: the lock-out answers 429.
    rate_limited = True

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never the anonymous user
        context = {"user": user, "request": request._request}
        serializer = PasswordChangeSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        user.set_password(serializer.validated_data["new_password"])
        user.save(update_fields=["password"])
        # Keeps this session logged in; the user's other sessions end.
        update_session_auth_hash(request._request, user)
        event("password_changed", user.get_username(), request._request)
        # A notice by mail, from the background worker once the change is
        # committed: the request never waits on a mail server.
        transaction.on_commit(lambda: password_changed_notice.enqueue(user.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
