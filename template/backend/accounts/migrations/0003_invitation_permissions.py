"""The managers' permissions on invitations (accounts.roles), granted once
the model exists: 0001 made the roles without them."""

from django.db import migrations

from accounts.roles import ensure_roles


def grant(apps, schema_editor) -> None:
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation")]

    # Undone with 0002, which drops the model and its permissions' meaning.
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
