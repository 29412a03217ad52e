"""The second factors in the admin: who has which, since when, and deleting
one (a lost phone: the user adds a new one at the next log-in). Never their
secrets (the TOTP key and the recovery codes' seed, kept in clear), which
allauth's own admin shows; nor can one be added or changed here."""

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin

admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class SecondFactorAdmin(AuthenticatorAdmin):
    exclude = ("data",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
