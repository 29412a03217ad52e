from auditlog.registry import auditlog
from django.core.exceptions import ValidationError
from django.db import models

from . import addresses

DUPLICATE_EMAIL = "A customer with this email already exists."


class Customer(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # Unique, and stored normalized (customers.addresses: NFKC, lower-cased,
    # the domain in ASCII) by the serializer and the admin, so the unique index
    # also serves case-insensitive look-ups.
    email = models.EmailField(max_length=254, unique=True)
    # What tells addresses apart (customers.addresses.comparison_key), set on
    # every save; unique (Meta). Nullable while a release that does not write
    # it may still run beside this one: a row it inserts has none until it is
    # saved again (NULL, not "", which only one row could have).
    email_key = models.CharField(max_length=254, null=True, editable=False)  # noqa: DJ001
    phone = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "customers"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unique constraint on email already indexes it on its own. The
            # search's prefix indexes are PostgreSQL-only: migration 0002.
            models.Index(fields=["last_name", "first_name"], name="customers_name_idx"),
            models.Index(fields=["created_at"], name="customers_created_idx"),
            models.Index(fields=["is_active", "created_at"], name="customers_active_created_idx"),
            models.Index(fields=["email", "is_active"], name="customers_email_active_idx"),
        ]
        constraints = [
            # A unique index that leaves NULLs out, as any unique index does;
            # the condition lets SQLite add it without rebuilding the table.
            models.UniqueConstraint(
                fields=["email_key"],
                condition=models.Q(email_key__isnull=False),
                name="customers_email_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.email_key = addresses.comparison_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The admin's form: the address stored as the API stores it, and the
        # API's check for another customer's look-alike (the serializer's).
        try:
            self.email = addresses.normalized(self.email)
        except addresses.InvalidAddressError as error:
            raise ValidationError({"email": str(error)}) from None
        if self.has_lookalike():
            raise ValidationError({"email": DUPLICATE_EMAIL})

    def has_lookalike(self) -> bool:
        """Whether another customer's address cannot be told apart from this one's."""
        others = Customer.objects.filter(email_key=addresses.comparison_key(self.email))
        return others.exclude(pk=self.pk).exists() if self.pk is not None else others.exists()


# Every create, update and delete, with the actor, the address and each
# changed field's old and new value (accounts.audit names the actor); the
# comparison key changes only with the address.
auditlog.register(Customer, exclude_fields=["updated_at", "email_key"])
