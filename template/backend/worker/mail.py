"""Mail sent from a background task, tried again when it fails for a
passing reason.

django-tasks-db runs a task once: a task that raises is recorded as failed
and never run again. A mail server that is down, slow or answers 4xx ("try
later") must not lose the mail, so deliver() enqueues the same task again
with a delay that doubles each time (MAIL_RETRY_SECONDS, then twice that,
...), MAIL_ATTEMPTS times in all; the last failure is raised and recorded.
A permanent refusal (a 5xx answer) is raised at once: trying again would
get the same answer.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import Task
from django.utils import timezone

log = logging.getLogger(__name__)


def is_transient(error: Exception) -> bool:
    """A failure that may pass: no connection, a timeout, a 4xx answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    # SMTPServerDisconnected, ConnectionRefusedError, TimeoutError, TLS errors.
    return isinstance(error, (smtplib.SMTPException, OSError))


def retry_delay(attempt: int) -> timedelta:
    """How long after failed try number `attempt` (from 1) the next one runs."""
    return timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** (attempt - 1))


def deliver(message: EmailMessage, task: Task, *args, attempt: int) -> bool:
    """Send the message; on a passing failure, enqueue `task` with `args`
    again for later, unless this was the last attempt. True once sent."""
    try:
        message.send()
    except Exception as error:
        if not is_transient(error) or attempt >= settings.MAIL_ATTEMPTS:
            raise
        delay = retry_delay(attempt)
        task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
        log.warning(
            "mail not sent, tried again later",
            extra={
                "task": task.name,
                "attempt": attempt,
                "retry_in_seconds": delay.total_seconds(),
                "error": type(error).__name__,
            },
        )
        return False
    return True
