"""The invitation's mail, and the inviter's notice once it is accepted,
sent by the background worker.

The task's arguments are the invitation's id only: the key is minted here,
when the mail is made, and only its hash is stored, so no key sits in the
task table (whose rows outlive the mail) or anywhere but the mail.
"""

import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import Task, task
from django.template.loader import render_to_string

from worker.mail import deliver

from ..models import Invitation, key_hash
from ..notices import SERVICE


def _send(
    task: Task, invitation_id: int, attempt: int, to: str, name: str, subject: str, **context
) -> bool:
    """Mail ``to`` the message ``name`` (its .txt and .html in
    templates/accounts/mail/)."""
    context |= {"service": SERVICE, "origin": settings.PUBLIC_ORIGIN}
    message = EmailMultiAlternatives(
        subject=f"{SERVICE}: {subject}",
        body=render_to_string(f"accounts/mail/{name}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"accounts/mail/{name}.html", context), "text/html")
    return deliver(message, task, invitation_id, attempt=attempt)


@task
def invitation_mail(invitation_id: int, attempt: int = 1) -> bool:
    """Mail the invitee a link with a new key; nothing once the invitation
    is revoked, accepted or expired. Each try mints a new key, which
    replaces the last one: the newest mail's link works."""
    key = secrets.token_urlsafe(32)
    pending = Invitation.objects.pending().filter(pk=invitation_id)
    if not pending.update(token_hash=key_hash(key)):
        return False
    invitation = Invitation.objects.select_related("role", "inviter").get(pk=invitation_id)
    return _send(
        invitation_mail,
        invitation_id,
        attempt,
        invitation.email,
        "invitation",
        "you are invited",
        link=settings.INVITATION_URL.replace("{key}", key),
        role=invitation.role.name,
        inviter=invitation.inviter.get_username() if invitation.inviter else "",
        expires_at=invitation.expires_at,
    )


@task
def invitation_accepted_notice(invitation_id: int, attempt: int = 1) -> bool:
    """Tell the inviter that their invitation was accepted, and by whom."""
    invitation = (
        Invitation.objects.select_related("role", "inviter", "accepted_user")
        .filter(pk=invitation_id, accepted_user__isnull=False, inviter__is_active=True)
        .first()
    )
    if invitation is None:
        return False
    inviter, invitee = invitation.inviter, invitation.accepted_user
    if inviter is None or invitee is None or not inviter.email:
        return False
    return _send(
        invitation_accepted_notice,
        invitation_id,
        attempt,
        inviter.email,
        "invitation_accepted",
        "your invitation was accepted",
        inviter=inviter.get_username(),
        username=invitee.get_username(),
        email=invitation.email,
        role=invitation.role.name,
    )
