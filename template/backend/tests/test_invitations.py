"""Invitations: a manager invites by e-mail with a role, the worker mails a
link with a key, and the invitee accepts it once, before it expires or is
revoked."""

import re
from datetime import timedelta
from hashlib import sha256

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.invitations.mail import invitation_accepted_notice, invitation_mail
from accounts.models import Invitation
from accounts.roles import EDITORS, VIEWERS

from .invitations import (
    CHECK,
    LIST,
    NEW_PASSWORD,
    accept,
    invite,
    invited_by,
    links,
    mailed_key,
    parts,
    public,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(api) -> tuple[Invitation, str]:
    return invited_by(api)


def test_a_manager_invites_and_only_the_mail_carries_the_key(
    api, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(api, email="Grace@STAFF.example")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "grace@staff.example"  # normalized, as customers' are
    assert (body["role"], body["state"], body["inviter"]) == (EDITORS, "pending", manager.username)
    assert body["expires_at"] > body["created_at"]
    # The task gets the id only; the key is minted when the mail is made.
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.invitations.mail.invitation_mail"
    assert task.args_kwargs == {"args": [body["id"]], "kwargs": {}}
    assert Invitation.objects.get().token_hash is None
    key = mailed_key(body["id"])
    assert len(key) >= 43  # 256 random bits
    invitation = Invitation.objects.get()
    assert invitation.token_hash == sha256(key.encode()).hexdigest()
    (message,) = mail.outbox
    assert message.to == ["grace@staff.example"]
    text, html = parts(message)
    link = f"{settings.PUBLIC_ORIGIN}/#/invite/{key}"
    assert f'href="{link}"' in html
    for part in (text, html):
        assert EDITORS in part and manager.username in part
        # Every link is to the service's own origin.
        assert links(part) == {link}
    # Not in the answer, the list, the task row or the audit trail.
    listed = api.get(LIST).content.decode()
    audit = [str((e.changes, e.additional_data)) for e in LogEntry.objects.all()]
    for text in (response.content.decode(), listed, str(task.args_kwargs), *audit):
        assert key not in text and invitation.token_hash not in text


@override_settings(INVITATION_URL="https://app.example/#/join/{key}")
def test_the_link_goes_where_the_deployment_says(api, django_capture_on_commit_callbacks):
    """A frontend of the team's own (INVITATION_URL) gets a working key."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(api)
    assert invitation_mail.call(Invitation.objects.get().pk) is True
    (message,) = mail.outbox
    (key,) = re.findall(r"https://app\.example/#/join/([A-Za-z0-9_-]+)", str(message.body))
    assert public(CHECK, {"key": key}).status_code == 200


def test_each_mail_mints_a_new_key_and_only_the_newest_works(invited):
    invitation, first = invited
    second = mailed_key(invitation.pk)
    assert second != first
    assert public(CHECK, {"key": first}).status_code == 400
    assert public(CHECK, {"key": second}).json() == {"email": invitation.email, "role": EDITORS}


@pytest.mark.parametrize("group", [None, VIEWERS, EDITORS])
def test_without_the_permissions_nobody_lists_invites_or_revokes(make_user, invited, group):
    client = APIClient()
    client.force_authenticate(make_user(group))
    assert client.get(LIST).status_code == 403
    assert invite(client, email="other@staff.example").status_code == 403
    assert client.post(f"{LIST}{invited[0].pk}/revoke/").status_code == 403
    assert APIClient().get(LIST).status_code == 401
    assert Invitation.objects.count() == 1


def test_nobody_grants_more_than_they_have(make_user):
    # May invite, but holds only the viewers' permissions besides.
    inviter = make_user(VIEWERS)
    inviter.user_permissions.add(*Permission.objects.filter(codename__endswith="_invitation"))
    client = APIClient()
    client.force_authenticate(inviter)
    assert invite(client, role=VIEWERS).status_code == 201
    refused = invite(client, email="other@staff.example", role=EDITORS)
    assert refused.status_code == 400
    assert list(refused.json()) == ["role"]


@pytest.mark.parametrize("role", ["staff", "superuser", "", "Customer Managers"])
def test_only_the_roles_can_be_granted(api, role):
    response = invite(api, role=role)
    assert response.status_code == 400
    assert list(response.json()) == ["role"]


def test_an_address_with_an_account_or_no_address_is_refused(api, make_user):
    make_user(email="Ada@Staff.Example")
    for email in ("ada@staff.example", "not an address", "a@" + "b" * 300 + ".example"):
        response = invite(api, email=email)
        assert response.status_code == 400
        assert list(response.json()) == ["email"]


def test_inviting_an_address_again_replaces_its_invitation(
    api, manager, invited, django_capture_on_commit_callbacks
):
    first, first_key = invited
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(api, role=VIEWERS).status_code == 201
    first.refresh_from_db()
    assert (first.state, first.revoked_by) == ("revoked", manager)
    assert accept(first_key).status_code == 400
    second = Invitation.objects.exclude(pk=first.pk).get()
    assert accept(mailed_key(second.pk)).status_code == 201
    assert get_user_model().objects.get(username="grace").groups.get().name == VIEWERS


def test_the_list_is_newest_first_with_each_state_and_no_key(api, manager, make_user):
    def made(email: str, **fields) -> Invitation:
        return Invitation.objects.create(
            email=email, role=Group.objects.get(name=VIEWERS), inviter=manager, **fields
        )

    now = timezone.now()
    made("pending@staff.example")
    made("accepted@staff.example", accepted_at=now, accepted_user=make_user())
    made("revoked@staff.example", revoked_at=now, revoked_by=manager)
    made("expired@staff.example", expires_at=now - timedelta(seconds=1))
    response = api.get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["email"].split("@")[0], r["state"]) for r in results] == [
        ("expired", "expired"),
        ("revoked", "revoked"),
        ("accepted", "accepted"),
        ("pending", "pending"),
    ]
    assert all("key" not in field and "token" not in field for field in results[0])


def test_the_key_shows_the_invitation_and_accepting_makes_the_account(
    invited, django_capture_on_commit_callbacks
):
    invitation, key = invited
    assert public(CHECK, {"key": key}).json() == {"email": "grace@staff.example", "role": EDITORS}
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(key)
    assert response.status_code == 201, response.content
    assert response.json() == {"username": "grace", "email": "grace@staff.example", "role": EDITORS}
    user = get_user_model().objects.get(username="grace")
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert [g.name for g in user.groups.all()] == [EDITORS]
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert (invitation.state, invitation.accepted_user) == ("accepted", user)
    # The inviter hears of it from the worker.
    task = DBTaskResult.objects.get(task_path__endswith="invitation_accepted_notice")
    assert task.args_kwargs == {"args": [invitation.pk], "kwargs": {}}


def test_the_inviter_is_told_who_accepted(invited, manager):
    invitation, key = invited
    manager.email = "boss@staff.example"
    manager.save()
    assert accept(key).status_code == 201
    mail.outbox.clear()
    assert invitation_accepted_notice.call(invitation.pk) is True
    (message,) = mail.outbox
    assert message.to == ["boss@staff.example"]
    for part in parts(message):
        assert "grace" in part and "grace@staff.example" in part and EDITORS in part
        assert links(part) == {f"{settings.PUBLIC_ORIGIN}/"}
        assert key not in part


def test_a_key_works_once(invited):
    _, key = invited
    assert accept(key).status_code == 201
    again = accept(key, username="mallory")
    assert again.status_code == 400
    assert public(CHECK, {"key": key}).status_code == 400
    assert not get_user_model().objects.filter(username="mallory").exists()


@override_settings(INVITATION_SECONDS=60)
def test_an_invitation_expires_after_invitation_seconds(api, django_capture_on_commit_callbacks):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = Invitation.objects.get(pk=invite(api).json()["id"])
    assert (
        before + timedelta(seconds=60)
        <= invitation.expires_at
        <= timezone.now() + timedelta(seconds=60)
    )
    key = mailed_key(invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert accept(key).status_code == 400
    # An expired invitation is not mailed again either.
    assert invitation_mail.call(invitation.pk) is False


def test_the_default_lifetime_is_a_week():
    assert settings.INVITATION_SECONDS == 7 * 24 * 60 * 60


def test_a_revoked_invitation_stops_working(api, manager, invited):
    invitation, key = invited
    response = api.post(f"{LIST}{invitation.pk}/revoke/")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["revoked_by"]) == (
        "revoked",
        manager.username,
    )
    assert accept(key).status_code == 400
    assert invitation_mail.call(invitation.pk) is False
    # Once: a revoked (or accepted, or expired) invitation has nothing to revoke.
    assert api.post(f"{LIST}{invitation.pk}/revoke/").status_code == 400
    assert api.post(f"{LIST}{invitation.pk + 1000}/revoke/").status_code == 404


def test_the_password_is_checked_by_the_validators_with_the_account_in_mind(invited, make_user):
    _, key = invited
    for password in ("short", "grace@staff.example", "12345678901234"):
        response = accept(key, password=password)
        assert response.status_code == 400
        assert list(response.json()) == ["password"]
    make_user(username="Grace")
    taken = accept(key)
    assert taken.status_code == 400
    assert list(taken.json()) == ["username"]
    assert accept(key, username="has space").status_code == 400
    # Nothing was used up: the invitation still works.
    assert accept(key, username="grace2").status_code == 201
