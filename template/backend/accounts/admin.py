"""The admin's views of accounts: invitations, to read (they are made,
revoked and accepted through the API), and the second factors: who has
which, since when, and deleting one (a lost phone: the user adds a new one
at the next log-in). Never an invitation's key hash, nor a second factor's
secrets (the TOTP key and the recovery codes' seed, kept in clear), which
allauth's own admin shows; nor can one be added or changed here."""

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin

from .models import Invitation

SHOWN = (
    "email",
    "role",
    "inviter",
    "created_at",
    "expires_at",
    "accepted_at",
    "accepted_user",
    "revoked_at",
    "revoked_by",
)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations, to read: they are made, revoked and accepted through the
    API, which mails the key and records who did what. The key's hash is
    never shown."""

    list_display = ["email", "role", "state", "inviter", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    fields = SHOWN
    readonly_fields = SHOWN

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class SecondFactorAdmin(AuthenticatorAdmin):
    exclude = ("data",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
