"""Mail from background tasks: the password-change notice (its content,
queued only once the change is committed, nothing secret in the task) and
the tries again after a passing failure. Django's in-memory outbox stands
in for the SMTP server here; the template's own tests send through a real
one."""

import smtplib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.mails import account_mail
from accounts.roles import MANAGERS
from customers.models import Customer
from worker.mail import is_transient, retry_delay

from .conftest import PASSWORD
from .sessions import PASSWORD_CHANGE, log_in, post

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long and unguessable password"  # pragma: allowlist secret
CHANGED = "account/email/password_changed"
DETAILS = {"ip": "203.0.113.7", "user_agent": "Firefox", "timestamp": "2026-12-07T10:00:00+00:00"}


def change_password(client: APIClient, username: str) -> None:
    assert log_in(client, username, REMOTE_ADDR="203.0.113.7").status_code == 200
    response = post(
        client,
        PASSWORD_CHANGE,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Firefox",
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def grace(make_user):
    return make_user(MANAGERS, username="grace", email="grace@staff.example")


def test_a_password_change_queues_one_notice_once_committed(
    grace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_password(APIClient(enforce_csrf_checks=True), "grace")
        # Nothing is queued, let alone sent, before the change is committed.
        assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.mails.account_mail"
    args = task.args_kwargs["args"]
    assert args[:2] == [CHANGED, grace.pk]
    assert set(args[2]) == {"ip", "user_agent", "timestamp"}
    assert (args[2]["ip"], args[2]["user_agent"]) == ("203.0.113.7", "Firefox")
    assert PASSWORD not in str(task.args_kwargs)
    assert NEW_PASSWORD not in str(task.args_kwargs)
    assert mail.outbox == []


def test_the_notice_names_the_change_and_its_origin_and_nothing_else(grace):
    Customer.objects.create(first_name="Ada", last_name="Lovelace", email="ada@customer.example")
    assert account_mail.call(CHANGED, grace.pk, DETAILS) is True
    (message,) = mail.outbox
    assert message.to == ["grace@staff.example"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    assert "password" in message.subject.lower()
    assert "203.0.113.7" in message.body
    assert "Firefox" in message.body
    assert settings.PUBLIC_ORIGIN in message.body
    for customer_data in ("Ada", "Lovelace", "ada@customer.example"):
        assert customer_data not in message.body
    assert PASSWORD not in message.body


def test_only_a_notice_is_sent_by_that_task(grace):
    with pytest.raises(ValueError, match="not a notice"):
        account_mail.call("account/email/password_reset_key", grace.pk, DETAILS)
    assert mail.outbox == []


def test_nobody_to_tell_sends_nothing(make_user):
    user = make_user(email="")
    assert account_mail.call(CHANGED, user.pk, DETAILS) is False
    assert account_mail.call(CHANGED, user.pk + 1000, DETAILS) is False
    assert mail.outbox == []


def refuse(error: Exception):
    def send(self, messages):
        raise error

    return send


def test_a_passing_failure_queues_the_mail_again_later(grace, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        refuse(ConnectionRefusedError(111, "Connection refused")),
    )
    before = timezone.now()
    assert account_mail.call(CHANGED, grace.pk, DETAILS, attempt=3) is False
    again = DBTaskResult.objects.get()
    assert again.args_kwargs == {"args": [CHANGED, grace.pk, DETAILS], "kwargs": {"attempt": 4}}
    assert again.run_after >= before + retry_delay(3)
    assert retry_delay(3) == timedelta(seconds=4 * settings.MAIL_RETRY_SECONDS)


def test_the_last_attempt_and_a_permanent_refusal_fail_the_task(grace, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        refuse(TimeoutError("timed out")),
    )
    with pytest.raises(TimeoutError):
        account_mail.call(CHANGED, grace.pk, DETAILS, attempt=settings.MAIL_ATTEMPTS)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        refuse(smtplib.SMTPSenderRefused(550, b"no such sender", "noreply@example.com")),
    )
    with pytest.raises(smtplib.SMTPSenderRefused):
        account_mail.call(CHANGED, grace.pk, DETAILS)
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPResponseException(421, b"try later"), True),
        (smtplib.SMTPResponseException(554, b"rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (ValueError("a bug"), False),
    ],
)
def test_which_failures_pass(error, transient):
    assert is_transient(error) is transient
