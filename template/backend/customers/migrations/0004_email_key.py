"""Customers' e-mail comparison key (customers.addresses), filled for every row.

Existing addresses take the stored form that new ones take (NFKC, lower-cased,
the domain as its IDNA A-label), where they have one; an address that has
none (an IDNA 2003 domain that IDNA 2008 refuses) is kept as it is, and the
API asks for a valid one when it next changes. Every row gets its comparison
key, which is then made unique: customers whose addresses cannot be told apart stop
the migration, named by id, before anything changes. Correct or merge them in the
running release (the admin, the API or ``manage.py shell``), then migrate again.

The column is nullable while the release before this one, which does not
write it, may still run beside it (expand, then contract).
"""

from django.db import migrations, models
from django.db.models import F

from customers import addresses

CHUNK = 2000


class AddressesCollideError(RuntimeError):
    pass


def fill(apps, schema_editor) -> None:
    Customer = apps.get_model("customers", "Customer")
    # The key of an address already in stored form, in ASCII and lower case, is
    # the address itself: only the others are read into memory.
    Customer.objects.update(email_key=F("email"))
    changed: dict[int, tuple[str, str]] = {}
    rows = Customer.objects.order_by("pk").values_list("pk", "email")
    for pk, email in rows.iterator(chunk_size=CHUNK):
        try:
            stored = addresses.normalized(email)
        except addresses.InvalidAddressError:
            stored = email
        key = addresses.comparison_key(stored)
        if (stored, key) != (email, email):
            changed[pk] = (stored, key)

    owners: dict[str, list[int]] = {}
    for pk, (_, key) in changed.items():
        owners.setdefault(key, []).append(pk)
    keys = list(owners)
    for start in range(0, len(keys), CHUNK):
        unchanged = Customer.objects.filter(email_key__in=keys[start : start + CHUNK])
        for pk, key in unchanged.values_list("pk", "email_key"):
            if pk not in changed:
                owners[key].append(pk)
    collisions = sorted(sorted(pks) for pks in owners.values() if len(pks) > 1)
    if collisions:
        groups = "; ".join(", ".join(str(pk) for pk in pks) for pks in collisions)
        raise AddressesCollideError(
            "Customers whose e-mail addresses cannot be told apart (by case, a letter's"
            f" dots or marks, or the domain's spelling), by id: {groups}. Correct or merge"
            " them, then migrate again."
        )

    updates = [Customer(pk=pk, email=email, email_key=key) for pk, (email, key) in changed.items()]
    Customer.objects.bulk_update(updates, ["email", "email_key"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_covering_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(email_key__isnull=False),
                fields=("email_key",),
                name="customers_email_key_unique",
            ),
        ),
    ]
