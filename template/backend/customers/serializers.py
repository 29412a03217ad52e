import re
import unicodedata

from rest_framework import serializers

from . import addresses
from .models import DUPLICATE_EMAIL, Customer

_PHONE = re.compile(r"\+?[0-9 ()./-]{6,32}")

# Characters a name never needs and that change what a reader sees: control
# characters (NUL, line breaks, the ESC of terminal escape sequences), line
# and paragraph separators, unpaired surrogates (which a JSON \u escape can
# carry and PostgreSQL cannot store), and the bidirectional controls that
# reorder the text around them on screen ("Trojan Source").
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def plain_text(value: str) -> str:
    """``value``, refused if it holds a character that is not plain text."""
    for character in value:
        if character in _BIDI_CONTROLS or unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            raise serializers.ValidationError(
                "Control and text-direction characters are not allowed "
                f"(found U+{ord(character):04X})."
            )
    return value


def _json_type_fits(field: serializers.Field, value) -> bool:
    if value is None:  # the field's own "may not be null"
        return True
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    return isinstance(value, str)


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
        # Uniqueness is checked on the comparison key in validate_email instead.
        extra_kwargs: dict[str, dict[str, object]] = {
            "email": {"validators": [], "help_text": addresses.STORED_FORM}
        }

    def to_internal_value(self, data):
        # The JSON types the API's schema declares: DRF alone would take 0 for
        # "0" in a text field, or "false" and 0 for false.
        if isinstance(data, dict):
            errors = {
                name: [field.error_messages["invalid"].format(input=data[name])]
                for name, field in self.fields.items()
                if name in data and not field.read_only and not _json_type_fits(field, data[name])
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def validate_email(self, value: str) -> str:
        try:
            email = addresses.normalized(value)
        except addresses.InvalidAddressError as error:
            raise serializers.ValidationError(str(error)) from None
        candidate = Customer(email=email, pk=self.instance.pk if self.instance else None)
        if candidate.has_lookalike():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return email

    def validate_first_name(self, value: str) -> str:
        return self._name(value)

    def validate_last_name(self, value: str) -> str:
        return self._name(value)

    def validate_company(self, value: str) -> str:
        return plain_text(value)

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
        return plain_text(value)
