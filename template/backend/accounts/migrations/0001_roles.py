"""The roles' groups: customer viewers, editors and managers (see accounts.roles)."""

from django.db import migrations

from accounts.roles import ROLES, ensure_roles


def create(apps, schema_editor) -> None:
    ensure_roles(apps)


def remove(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("auditlog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, remove)]
