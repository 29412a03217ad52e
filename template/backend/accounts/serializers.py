from django.contrib.auth import authenticate, password_validation
from rest_framework import serializers
from rest_framework.exceptions import APIException

from .lockout import LOCKED_OUT, retry_after

# A bound on what is hashed; no real password comes near it.
PASSWORD_LENGTH = 1024


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)


class LockedOut(APIException):
    """The lock-out's answer where a view cannot return it: 429 with Retry-After."""

    status_code = 429
    default_detail = LOCKED_OUT
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__()
        self.wait = retry_after()


# Context: the user and Django's request, where the old password is checked
# as a log-in is, so that guesses at it are counted and locked out.
class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)
    new_password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        user, request = self.context["user"], self.context["request"]
        # Tells the security log this failure is a password change's.
        request.security_event = "password_change_failed"
        checked = authenticate(request, username=user.get_username(), password=value)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if checked is None or checked.pk != user.pk:
            raise serializers.ValidationError("The current password is not correct.")
        return value

    def validate_new_password(self, value: str) -> str:
        # Django's validators (AUTH_PASSWORD_VALIDATORS), with their messages.
        password_validation.validate_password(value, self.context["user"])
        return value


def describe(user) -> dict:
    """Who is logged in and what they may do, for the page to show."""
    return {
        "username": user.get_username(),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
    }
