"""The page's session, as the tests drive it: django-allauth's JSON API for a
browser, with the CSRF token, and a second factor's codes (RFC 6238)."""

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.mfa.models import Authenticator
from rest_framework.test import APIClient

from .conftest import PASSWORD

HEADLESS = "/api/auth/browser/v1"
LOGIN = f"{HEADLESS}/auth/login"
SESSION = f"{HEADLESS}/auth/session"
SECOND_FACTOR = f"{HEADLESS}/auth/2fa/authenticate"
REAUTHENTICATE = f"{HEADLESS}/auth/reauthenticate"
PASSWORD_CHANGE = f"{HEADLESS}/account/password/change"
TOTP = f"{HEADLESS}/account/authenticators/totp"


def csrf(client: APIClient) -> str:
    """The CSRF token, from the page's bootstrap (which sets its cookie)."""
    response = client.get("/api/auth/csrf/")
    assert response.status_code == 200
    token: str = response.json()["csrfToken"]
    return token


def current_csrf(client: APIClient) -> str:
    """The token the cookie holds now (a log-in makes a new one)."""
    return client.cookies["csrftoken"].value


def post(client: APIClient, path: str, body: dict | None = None, **extra):
    """A change as the page sends it: JSON, with the current CSRF token."""
    if "csrftoken" not in client.cookies:
        csrf(client)
    return client.post(
        path, body or {}, format="json", HTTP_X_CSRFTOKEN=current_csrf(client), **extra
    )


def log_in(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return post(client, LOGIN, {"username": username, "password": password}, **extra)


def log_out(client: APIClient):
    return client.delete(SESSION, HTTP_X_CSRFTOKEN=current_csrf(client))


def totp_code(secret: str, at: float | None = None) -> str:
    """The authenticator app's code for a base32 secret (RFC 6238: SHA-1,
    30 seconds, 6 digits)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def add_totp(user) -> str:
    """An authenticator app for the user, as enrolment leaves it; its secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
    return secret


def log_in_with_code(
    client: APIClient, username: str, secret: str, password: str = PASSWORD, **extra
):
    """A log-in with the password, then the authenticator app's code."""
    pending = log_in(client, username, password, **extra)
    assert pending.status_code == 401, pending.content
    flows = {flow["id"]: flow for flow in pending.json()["data"]["flows"]}
    assert flows["mfa_authenticate"]["is_pending"] is True
    return post(client, SECOND_FACTOR, {"code": totp_code(secret)}, **extra)
