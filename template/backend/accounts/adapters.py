"""django-allauth, fitted to this service.

- Nobody signs up: accounts are made by an administrator or by invitation.
- django-axes alone limits password guesses: allauth's own count of failed
  log-ins would answer the sixth guess with its 400 before django-axes could
  answer its 429 with Retry-After (and, for the owner, with nothing). Its
  count still limits guesses at second-factor codes, which it keeps apart.
- No mail is sent from a request: each is queued for the worker, with the
  user's id and nothing secret (accounts.mails). The worker makes a
  password-reset key itself, so no key waits in the task table.
- A reset asked for an address nobody has sends nothing (no mail to a
  stranger); it is logged with a keyed hash of the address.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .mails import MAX_USER_AGENT, account_mail, password_reset_mail
from .security import event

UNKNOWN_ACCOUNT = "account/email/unknown_account"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Nothing: django-axes, in authenticate(), counts and locks out."""

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """A change to the user's account (password, second factor), told by
        the worker with where it came from."""
        request = self.request
        details = {
            "ip": self.get_client_ip(request),
            "user_agent": self.get_http_user_agent(request)[:MAX_USER_AGENT],
            "timestamp": timezone.now().isoformat(),
        }
        transaction.on_commit(lambda: account_mail.enqueue(template_prefix, user.pk, details))

    def send_password_reset_mail(
        self, user: AbstractBaseUser, email: str, context: dict[str, Any]
    ) -> None:
        event("password_reset_requested", user.get_username(), self.request)
        transaction.on_commit(lambda: password_reset_mail.enqueue(user.pk))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix == UNKNOWN_ACCOUNT:
            keyed = salted_hmac("password-reset-unknown", email.lower(), algorithm="sha256")
            address = keyed.hexdigest()[:16]
            event("password_reset_requested", "", self.request, address=address, known=False)
            return
        # Every mail this service sends is one of the above.
        raise RuntimeError(f"{template_prefix} is not sent by this service")
