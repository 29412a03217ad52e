"""What the invitation tests share: the requests of the manager and of the
invitee's browser, and the worker's mail with the key in its link."""

import re

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from rest_framework.test import APIClient

from accounts.invitations.mail import invitation_mail
from accounts.models import Invitation
from accounts.roles import EDITORS

LIST = "/api/accounts/invitations/"
CHECK = "/api/auth/invitation/check/"
ACCEPT = "/api/auth/invitation/accept/"
NEW_PASSWORD = "a passphrase for the new colleague"  # pragma: allowlist secret
KEY_IN_LINK = re.compile(re.escape(f"{settings.PUBLIC_ORIGIN}/#/invite/") + r"([A-Za-z0-9_-]+)")


def csrf(client: APIClient) -> str:
    token: str = client.get("/api/auth/csrf/").json()["csrfToken"]
    return token


def public(path: str, payload: dict, address: str = "198.51.100.7"):
    """The invitee's browser: the CSRF bootstrap, then the request."""
    client = APIClient(enforce_csrf_checks=True)
    return client.post(
        path, payload, format="json", HTTP_X_CSRFTOKEN=csrf(client), REMOTE_ADDR=address
    )


def accept(key: str, username: str = "grace", password: str = NEW_PASSWORD, **kwargs):
    return public(ACCEPT, {"key": key, "username": username, "password": password}, **kwargs)


def invite(api: APIClient, email: str = "grace@staff.example", role: str = EDITORS):
    return api.post(LIST, {"email": email, "role": role}, format="json")


def parts(message) -> tuple[str, str]:
    """A mail's plain text and HTML."""
    assert isinstance(message, EmailMultiAlternatives)
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return str(message.body), str(html)


def links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<]+", text))


def mailed_key(invitation_id: int) -> str:
    """What the worker does: the mail, and the key in its link."""
    mail.outbox.clear()
    assert invitation_mail.call(invitation_id) is True
    (message,) = mail.outbox
    text, _ = parts(message)
    match = KEY_IN_LINK.search(text)
    assert match is not None, text
    return match[1]


def invited_by(api: APIClient) -> tuple[Invitation, str]:
    """An invitation the client makes, and the key its mail carries."""
    response = invite(api)
    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get(pk=response.json()["id"])
    return invitation, mailed_key(invitation.pk)
