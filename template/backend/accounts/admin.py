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
