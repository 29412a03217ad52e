"""The roles: groups of Django model permissions on customers.

The API and the admin decide what a user may do from these permissions
(accounts.permissions), never from the group's name. The groups are created
by a data migration and repaired by ``manage.py bootstrap_access``; both
call ensure_roles, so the two can never disagree.
"""

from django.apps.registry import Apps

VIEWERS = "customer viewers"
EDITORS = "customer editors"
MANAGERS = "customer managers"

# Group name -> permissions, as (app label, model, action).
ROLES: dict[str, list[tuple[str, str, str]]] = {
    VIEWERS: [("customers", "customer", "view")],
    EDITORS: [
        ("customers", "customer", "view"),
        ("customers", "customer", "add"),
        ("customers", "customer", "change"),
    ],
    MANAGERS: [
        ("customers", "customer", "view"),
        ("customers", "customer", "add"),
        ("customers", "customer", "change"),
        ("customers", "customer", "delete"),
        # The audit trail, read in the admin (which nobody can edit it through).
        ("auditlog", "logentry", "view"),
        # Invitations of colleagues (accounts.invitations): list, invite, revoke.
        ("accounts", "invitation", "view"),
        ("accounts", "invitation", "add"),
        ("accounts", "invitation", "change"),
    ],
}


def ensure_roles(apps: Apps) -> list[str]:
    """Create each group with exactly its permissions; return the groups' names.

    ``apps`` is the app registry: a migration's historical one, or the real
    one. Permissions are created here when missing, because Django creates
    them only after every migration has run (post_migrate). A permission on
    a model that a later migration creates is left out here: that
    migration calls this again (accounts 0003 for invitations).
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, grants in ROLES.items():
        permissions = []
        for app_label, model_name, action in grants:
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            content_type, _ = ContentType.objects.get_or_create(
                app_label=app_label, model=model_name
            )
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model_name}",
                defaults={"name": f"Can {action} {model._meta.verbose_name}"},
            )
            permissions.append(permission)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
    return list(ROLES)
