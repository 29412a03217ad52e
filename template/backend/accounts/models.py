"""Invitations: how a manager brings a colleague in (accounts.invitations).

The key that accepts an invitation is in the mail only. Stored is its
SHA-256: the key is 256 random bits, so the hash cannot be reversed or
guessed, and a plain hash (not a slow password hash) lets the key be found
by an index. The hash is written by the worker when it mints the key for
the mail (accounts.invitations.mail); until then it is empty and no key
accepts the invitation.
"""

from datetime import datetime, timedelta
from hashlib import sha256
from typing import Self

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone


def key_hash(key: str) -> str:
    return sha256(key.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def open(self) -> Self:
        """Neither accepted nor revoked, expired or not: the one an address
        may have (the table's constraint)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self) -> Self:
        """Open and not expired: the ones a key can accept."""
        return self.open().filter(expires_at__gt=timezone.now())


def expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.INVITATION_SECONDS)


class Invitation(models.Model):
    PENDING, ACCEPTED, REVOKED, EXPIRED = "pending", "accepted", "revoked", "expired"

    # Stored normalized, as customers' addresses are (customers.addresses).
    email = models.EmailField(max_length=254)
    # One of the roles' groups (accounts.roles), never staff or superuser.
    role = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # NULL (not "", which only one row could have under the unique index)
    # until the worker mints the key.
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="invitation_created_idx")]
        constraints = [
            # At most one open invitation per address: inviting it again
            # revokes the open one in the same transaction, and of two
            # invitations made at once one fails here.
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.state})"

    @property
    def state(self) -> str:
        """An invitation revoked after it had expired (by a new one for its
        address) stays expired: it was never revoked while it could work."""
        if self.accepted_at is not None:
            return self.ACCEPTED
        if self.revoked_at is not None and self.revoked_at < self.expires_at:
            return self.REVOKED
        if self.revoked_at is not None or self.expires_at <= timezone.now():
            return self.EXPIRED
        return self.PENDING


# Every invitation, revocation and acceptance with its actor and address;
# never the key's hash.
auditlog.register(Invitation, exclude_fields=["token_hash"])
