import re

from rest_framework import serializers

from .models import Customer

_PHONE = re.compile(r"\+?[0-9 ()./-]{6,32}")


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness is checked case-insensitively in validate_email instead.
        extra_kwargs = {"email": {"validators": []}}

    def validate_email(self, value: str) -> str:
        email = value.strip().lower()
        duplicates = Customer.objects.filter(email=email)
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError("A customer with this email already exists.")
        return email

    def validate_first_name(self, value: str) -> str:
        return self._name(value)

    def validate_last_name(self, value: str) -> str:
        return self._name(value)

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if value and not _PHONE.fullmatch(value):
            raise serializers.ValidationError(
                "Enter digits, spaces and + ( ) . / - only (6 to 32 characters)."
            )
        return value

    @staticmethod
    def _name(value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value
