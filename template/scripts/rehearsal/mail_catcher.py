"""A real SMTP server on loopback (aiosmtpd) that keeps every mail it
receives, for the rehearsal and the template's tests to read: the notice
the worker sends, a link in it.

It can be stopped and started again on the same port, so a fault test can
take the mail server away from a running worker and bring it back. It
speaks plain SMTP (EMAIL_SECURITY=none), which only a relay on loopback
may: the encrypted kinds are Django's own code, not the project's.
"""

import email
import email.policy
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

from aiosmtpd.controller import Controller

from .processes import free_port
from .report import RehearsalFailed


class Mail(NamedTuple):
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Keep:
    """aiosmtpd's handler: each mail, parsed, to `keep`."""

    def __init__(self, keep: Callable[[Mail], None]) -> None:
        self.keep = keep

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.keep(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailCatcher:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Mail] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Keep(self.keep), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def keep(self, mail: Mail) -> None:
        with self.lock:
            self.received.append(mail)

    def mails(self) -> list[Mail]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int = 1, timeout: float = 60) -> list[Mail]:
        """The mails received, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(mails := self.mails()) >= count:
                return mails
            time.sleep(0.1)
        raise RehearsalFailed(f"{count} mail(s) expected, {len(self.mails())} received")

    def backend_env(self, secrets_dir: Path) -> dict[str, str]:
        """What the backend and the worker are given to reach it: the relay's
        password as a secret file, as production has one."""
        password_file = secrets_dir / "email_host_password"
        password_file.write_text("unused-by-the-catcher\n")
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_SECURITY": "none",
            "EMAIL_HOST_PASSWORD_FILE": str(password_file),
        }
