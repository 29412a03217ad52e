from auditlog.registry import auditlog
from django.db import models


class Customer(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # Unique, and stored lower-cased by the serializer, so the unique index
    # also serves case-insensitive look-ups.
    email = models.EmailField(max_length=254, unique=True)
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

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


# Every create, update and delete, with the actor, the address and each
# changed field's old and new value (accounts.audit names the actor).
auditlog.register(Customer, exclude_fields=["updated_at"])
