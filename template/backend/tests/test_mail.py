"""Mail from background tasks: the password-change notice (its content,
queued only once the change is committed) and the tries again after a
passing failure. Django's in-memory outbox stands in for the SMTP server
here; the template's own tests send through a real one."""

import smtplib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.notices import password_changed_notice
from accounts.roles import MANAGERS
from customers.models import Customer
from worker.mail import is_transient, retry_delay

from .conftest import PASSWORD
from .test_auth_api import log_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long and unguessable password"  # pragma: allowlist secret


def change_password(client: APIClient, username: str) -> None:
    token = log_in(client, username).json()["csrfToken"]
    response = client.post(
        "/api/auth/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 204, response.content


@pytest.fixture
def grace(make_user):
    return make_user(MANAGERS, username="grace", email="grace@staff.example")


def test_a_password_change_queues_the_notice_once_committed(
    grace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_password(APIClient(enforce_csrf_checks=True), "grace")
        # Nothing is queued, let alone sent, before the change is committed.
        assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.notices.password_changed_notice"
    assert task.args_kwargs == {"args": [grace.pk], "kwargs": {}}
    assert mail.outbox == []


def test_the_notice_has_both_parts_a_link_home_and_nothing_else(grace):
    Customer.objects.create(first_name="Ada", last_name="Lovelace", email="ada@customer.example")
    assert password_changed_notice.call(grace.pk) is True
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["grace@staff.example"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    assert isinstance(html, str)
    for part in (message.body, html):
        assert "grace" in part
        assert f"{settings.PUBLIC_ORIGIN}/" in part
        for customer_data in ("Ada", "Lovelace", "ada@customer.example"):
            assert customer_data not in part
        assert PASSWORD not in part
    assert f'href="{settings.PUBLIC_ORIGIN}/"' in html
    assert [word for word in message.body.split() if "://" in word] == [
        f"{settings.PUBLIC_ORIGIN}/"
    ]


def test_nobody_to_tell_sends_nothing(make_user):
    user = make_user(email="")
    assert password_changed_notice.call(user.pk) is False
    assert password_changed_notice.call(user.pk + 1000) is False
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
    assert password_changed_notice.call(grace.pk, attempt=3) is False
    again = DBTaskResult.objects.get()
    assert again.args_kwargs == {"args": [grace.pk], "kwargs": {"attempt": 4}}
    assert again.run_after >= before + retry_delay(3)
    assert retry_delay(3) == timedelta(seconds=4 * settings.MAIL_RETRY_SECONDS)


def test_the_last_attempt_and_a_permanent_refusal_fail_the_task(grace, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        refuse(TimeoutError("timed out")),
    )
    with pytest.raises(TimeoutError):
        password_changed_notice.call(grace.pk, attempt=settings.MAIL_ATTEMPTS)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        refuse(smtplib.SMTPSenderRefused(550, b"no such sender", "noreply@example.com")),
    )
    with pytest.raises(smtplib.SMTPSenderRefused):
        password_changed_notice.call(grace.pk)
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
