from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from rest_framework import serializers

from customers import addresses

from ..models import Invitation
from ..roles import ROLES

HAS_ACCOUNT = "An account with this address already exists."
# A bound on what is hashed; no real password comes near it.
PASSWORD_LENGTH = 1024
# Longer than any key the worker mints (43 characters): a bound, no more.
KEY_LENGTH = 128


def _username(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"{field}.username", read_only=True, allow_null=True)


class InvitationSerializer(serializers.ModelSerializer):
    email = serializers.CharField(
        max_length=addresses.MAX_LENGTH,
        help_text="Stored and returned normalized as customers' addresses are: Unicode NFKC,"
        " lower-cased, the domain as its IDNA A-label. An address that has an account is"
        " refused; one with a pending invitation gets a new one, which revokes the old.",
    )
    role = serializers.ChoiceField(choices=list(ROLES), source="role.name")
    state = serializers.ChoiceField(
        choices=[Invitation.PENDING, Invitation.ACCEPTED, Invitation.REVOKED, Invitation.EXPIRED],
        read_only=True,
    )
    inviter = _username("inviter")
    accepted_username = _username("accepted_user")
    revoked_by = _username("revoked_by")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "inviter",
            "created_at",
            "expires_at",
            "accepted_at",
            "accepted_username",
            "revoked_at",
            "revoked_by",
        ]
        read_only_fields = ["created_at", "expires_at", "accepted_at", "revoked_at"]

    def validate_email(self, value: str) -> str:
        try:
            email = addresses.normalized(value)
        except addresses.InvalidAddressError as error:
            raise serializers.ValidationError(str(error)) from None
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise serializers.ValidationError(HAS_ACCOUNT)
        return email

    def validate_role(self, value: str) -> str:
        # No one grants more than they have: every permission of the role
        # must be the inviter's own.
        group = Group.objects.filter(name=value).first()
        if group is None:  # the roles were never made (manage.py bootstrap_access)
            raise serializers.ValidationError("This role does not exist.")
        granted = [
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ]
        if not self.context["request"].user.has_perms(granted):
            raise serializers.ValidationError("You cannot grant a role with more than your rights.")
        return value

    def create(self, validated_data: dict) -> Invitation:
        return Invitation.objects.create(
            email=validated_data["email"],
            role=Group.objects.get(name=validated_data["role"]["name"]),
            inviter=validated_data["inviter"],
        )


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=KEY_LENGTH, trim_whitespace=False)


class InvitedSerializer(serializers.Serializer):
    """What a key's invitation is for, shown before the invitee accepts."""

    email = serializers.CharField()
    role = serializers.ChoiceField(choices=list(ROLES))


class AcceptSerializer(KeySerializer):
    # The username's own rules (its validators and length), as for any user.
    username = serializers.CharField(
        max_length=150,
        trim_whitespace=False,
        validators=get_user_model()._meta.get_field("username").validators,
    )
    password = serializers.CharField(max_length=PASSWORD_LENGTH, trim_whitespace=False)


def check_password(password: str, username: str, email: str) -> None:
    """Django's validators (AUTH_PASSWORD_VALIDATORS), with the account's
    username and address to compare against; a 400 naming the password."""
    user = get_user_model()(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise serializers.ValidationError({"password": list(error.messages)}) from None


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AcceptedSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField()
    role = serializers.ChoiceField(choices=list(ROLES))
