"""Invitation keys: one answer for every key that does not work, guessing
locked out, one account from two accepts at once, and the key in the mail
and nowhere else: no log, audit entry, task row or admin page."""

import io
import json
import logging.config
import threading
from datetime import timedelta
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.models import Invitation
from accounts.roles import MANAGERS, ensure_roles

from .invitations import (
    ACCEPT,
    CHECK,
    LIST,
    NEW_PASSWORD,
    accept,
    invite,
    invited_by,
    mailed_key,
    public,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(api) -> tuple[Invitation, str]:
    return invited_by(api)


@pytest.fixture
def log_lines():
    """Every log line at INFO and above, as the project's logging writes
    them (its LOGGING_CONFIG module's configuration), into a buffer."""
    build_logging = import_module(settings.LOGGING_CONFIG.rpartition(".")[0]).build_logging
    stream = io.StringIO()
    config = build_logging(level="INFO")
    config["handlers"]["stdout"]["stream"] = stream
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)


def security_events(lines: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["event"], e["username"], e["client"]) for e in lines if e["logger"] == "security"]


def test_every_key_that_does_not_work_gets_one_answer(api, invited, manager):
    invitation, key = invited
    # From several addresses: each below the lock-out.
    answers = [public(CHECK, {"key": "wrong"}, "192.0.2.1"), accept("x" * 43, address="192.0.2.2")]
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    answers += [public(CHECK, {"key": key}, "192.0.2.3"), accept(key, address="192.0.2.4")]
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    answers += [public(CHECK, {"key": key}, "192.0.2.5"), accept(key, address="192.0.2.6")]
    assert {(a.status_code, a.content) for a in answers} == {(400, answers[0].content)}
    assert "does not work" in answers[0].json()["detail"]
    assert not get_user_model().objects.filter(username="grace").exists()


@pytest.mark.parametrize("path", [CHECK, ACCEPT])
def test_the_public_views_need_the_csrf_token(invited, path):
    _, key = invited
    payload = {"key": key, "username": "grace", "password": NEW_PASSWORD}
    response = APIClient(enforce_csrf_checks=True).post(path, payload, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_guessing_keys_locks_the_client_out_not_the_invitee(invited, log_lines):
    _, key = invited
    guesser, invitee = "192.0.2.66", "198.51.100.7"
    codes = [
        public(CHECK, {"key": f"guess{n}"}, guesser).status_code
        for n in range(settings.LOGIN_FAILURE_LIMIT)
    ]
    assert codes == [400] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]
    locked = accept(key, address=guesser)
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert not get_user_model().objects.filter(username="grace").exists()
    assert accept(key, address=invitee).status_code == 201
    events = security_events(log_lines())
    assert events.count(("invitation_check_failed", "", guesser)) == settings.LOGIN_FAILURE_LIMIT
    assert ("locked_out", "", guesser) in events
    assert events[-1] == ("invitation_accepted", "grace", invitee)


def test_the_security_log_and_audit_trail_record_each_step_without_the_key(
    api, manager, log_lines, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(api).json()["id"]
        invite(api, email="ada@staff.example")
    keys = [mailed_key(first), mailed_key(first + 1)]
    assert api.post(f"{LIST}{first}/revoke/").status_code == 200
    assert accept(keys[0]).status_code == 400
    assert accept(keys[1], username="ada").status_code == 201
    lines = log_lines()
    assert [event[:2] for event in security_events(lines)] == [
        ("invitation_sent", manager.username),
        ("invitation_sent", manager.username),
        ("invitation_revoked", manager.username),
        ("invitation_accept_failed", ""),
        ("invitation_accepted", "ada"),
    ]
    trail = LogEntry.objects.get_for_model(Invitation).order_by("pk")
    ada = get_user_model().objects.get(username="ada")
    assert [(e.action, e.object_pk, e.actor) for e in trail] == [
        (LogEntry.Action.CREATE, str(first), manager),
        (LogEntry.Action.CREATE, str(first + 1), manager),
        (LogEntry.Action.UPDATE, str(first), manager),
        (LogEntry.Action.ACCESS, str(first), None),
        (LogEntry.Action.UPDATE, str(first + 1), ada),
    ]
    assert trail[3].additional_data == {"refused": "revoked"}
    assert trail[3].remote_addr == "198.51.100.7"
    recorded = [json.dumps(lines)]
    recorded += [str((e.changes, e.additional_data, e.serialized_data)) for e in trail]
    recorded += [str(t.args_kwargs) for t in DBTaskResult.objects.all()]
    hashes = [i.token_hash for i in Invitation.objects.all() if i.token_hash]
    for secret in (*keys, *hashes, NEW_PASSWORD):
        assert all(secret not in text for text in recorded)


def test_the_admin_shows_invitations_read_only_and_never_the_hash(client, make_user, invited):
    invitation, _ = invited
    invitation.refresh_from_db()
    assert invitation.token_hash is not None
    client.force_login(make_user(MANAGERS, is_staff=True))
    change = reverse("admin:accounts_invitation_change", args=[invitation.pk])
    for url in (reverse("admin:accounts_invitation_changelist"), change):
        response = client.get(url)
        assert response.status_code == 200
        assert invitation.email.encode() in response.content
        assert invitation.token_hash.encode() not in response.content
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:accounts_invitation_add")).status_code == 403
    client.post(change, {"email": "eve@staff.example", "revoked_at": "2000-01-01 00:00"})
    delete = reverse("admin:accounts_invitation_delete", args=[invitation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Invitation.objects.get() == invitation
    assert Invitation.objects.get().state == "pending"


@pytest.fixture
def roles(transactional_db) -> None:
    """The roles' groups, which a test before may have flushed with every
    table (pytest-django runs tests that commit last, and empties the
    database after each)."""
    ensure_roles(apps)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_accepting_one_key_twice_at_once_makes_one_account(roles, invited):
    _, key = invited
    start = threading.Barrier(2)
    codes: list[int] = []

    def accept_now(username: str) -> None:
        start.wait()
        try:
            codes.append(accept(key, username=username).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept_now, args=(name,)) for name in ("grace", "eve")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 400]
    assert get_user_model().objects.filter(username__in=["grace", "eve"]).count() == 1
