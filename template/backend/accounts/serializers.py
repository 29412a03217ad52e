from django.contrib.auth import password_validation
from rest_framework import serializers

# A bound on what is hashed; no real password comes near it.
PASSWORD_LENGTH = 1024


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)
    new_password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
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
