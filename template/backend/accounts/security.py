"""The security log: one structured line per log-in, failed log-in, log-out,
lock-out, password change, wrong current password, password reset (asked
and done), second factor (added, removed, used, wrong), API token change
and invitation (sent, revoked, accepted, and a key refused), with the
username and the client's address.

Passwords never reach it: Django masks them in the credentials it signals,
and only the username is read from those. Of a second factor only its kind
is named (totp, recovery_codes), never a secret, a code or a key. Lines go
to the ``security`` logger, which the logging configuration sends to
security.log as well.
"""

import logging

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
)
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

log = logging.getLogger("security")


def _client(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def event(name: str, username, request: HttpRequest | None = None, **fields) -> None:
    """Write one security event; WARNING for what may be an attack."""
    warnings = {
        "login_failed",
        "password_change_failed",
        "locked_out",
        "second_factor_failed",
        "invitation_check_failed",
        "invitation_accept_failed",
    }
    level = logging.WARNING if name in warnings else logging.INFO
    log.log(
        level,
        name.replace("_", " "),
        extra={"event": name, "username": username or "", "client": _client(request), **fields},
    )


@receiver(user_logged_in, dispatch_uid="security_log_login")
def logged_in(sender, request, user, **kwargs) -> None:
    event("login", user.get_username(), request)


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    # A wrong current password at a password change is counted as a log-in is.
    name = getattr(request, "security_event", "login_failed")
    event(name, credentials.get("username"), request)


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return  # nobody was logged in
    reason = getattr(request, "session_ended_because", "logout")
    event("logout", user.get_username(), request, reason=reason)


@receiver(user_locked_out, dispatch_uid="security_log_locked_out")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    event("locked_out", username, request)


@receiver(password_changed, dispatch_uid="security_log_password_changed")
def changed_password(sender, request, user, **kwargs) -> None:
    event("password_changed", user.get_username(), request)


@receiver(password_reset, dispatch_uid="security_log_password_reset")
def reset_password(sender, request, user, **kwargs) -> None:
    event("password_reset", user.get_username(), request)


def _second_factor(name: str):
    def log(sender, request, user, authenticator, **kwargs) -> None:
        event(name, user.get_username(), request, second_factor=authenticator.type)

    return log


for _signal, _name in (
    (authenticator_added, "second_factor_added"),
    (authenticator_removed, "second_factor_removed"),
    (authenticator_reset, "second_factor_renewed"),
    (authenticator_used, "second_factor_used"),
    (authentication_failed, "second_factor_failed"),
):
    _signal.connect(_second_factor(_name), weak=False, dispatch_uid=f"security_log_{_name}")
