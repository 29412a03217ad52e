"""The admin site, asking staff for a one-time code (TOTP) when
ADMIN_SECOND_FACTOR is on (the default in staging and production).

django-otp's OTPAdminSite treats a staff user without a verified device as
not staff. Create an administrator's device with ``manage.py
add_totp_device USERNAME``, which prints the otpauth:// URI for an
authenticator app once.
"""

from django.conf import settings
from django.contrib.admin import AdminSite as PasswordOnlyAdminSite
from django_otp.admin import OTPAdminSite


class AdminSite(OTPAdminSite):
    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self):  # type: ignore[override]  # a property: the setting is read per use
        return OTPAdminSite.login_form if settings.ADMIN_SECOND_FACTOR else None

    @property
    def login_template(self):  # type: ignore[override]  # a property: the setting is read per use
        return OTPAdminSite.login_template if settings.ADMIN_SECOND_FACTOR else None

    def has_permission(self, request) -> bool:
        if settings.ADMIN_SECOND_FACTOR:
            allowed: bool = super().has_permission(request)
            return allowed
        return PasswordOnlyAdminSite.has_permission(self, request)
