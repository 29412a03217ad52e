from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate

# What the servers' role may do, on what the owner has and will create in
# the schema the migrations use: read and write rows, draw ids. Never change
# a table, create one, or own anything. %1$I is the schema, %2$I the role,
# both quoted by the server (format()).
RUNTIME_GRANTS = (
    "GRANT USAGE ON SCHEMA %1$I TO %2$I",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %1$I TO %2$I",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %1$I TO %2$I",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA %1$I"
    " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %2$I",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA %1$I GRANT USAGE, SELECT ON SEQUENCES TO %2$I",
)

# Attributes the servers' role must not have: each one outranks the grants.
_PRIVILEGED_ROLE_SQL = """
SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls
       OR pg_has_role(oid, current_user, 'MEMBER')
FROM pg_roles WHERE rolname = %s
"""


def _set_statement_timeout(using: str, statement: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement)


def lift_statement_timeout(using: str, **kwargs) -> None:
    """Migrations may rewrite or index a whole table: the statement timeout
    that bounds a web request's queries (DATABASE_STATEMENT_TIMEOUT) would
    cancel them half-way on a large one. Lifted while they run."""
    _set_statement_timeout(using, "SET statement_timeout = 0")


def restore_statement_timeout(using: str, **kwargs) -> None:
    """Back to the connection's own setting, for what runs after migrate."""
    _set_statement_timeout(using, "RESET statement_timeout")


def grant_runtime_privileges(using: str, **kwargs) -> None:
    """The release step connects as the owner; the servers connect as
    DATABASE_RUNTIME_ROLE, which gets row access to every table and sequence,
    and through the owner's default privileges to those later migrations
    create. Refuses a role that could do more than the grants allow."""
    role = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_PRIVILEGED_ROLE_SQL, [role])
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured(
                f"DATABASE_RUNTIME_ROLE {role!r} does not exist: create it first "
                "(docs/DEPLOYMENT_CHECKLIST.md, database roles)"
            )
        if row[0]:
            raise ImproperlyConfigured(
                f"DATABASE_RUNTIME_ROLE {role!r} is a superuser, may create roles or "
                "databases, replicate, bypass row security, or is a member of the owner: "
                "the servers' role must be none of these"
            )
        for grant in RUNTIME_GRANTS:
            cursor.execute("SELECT format(%s, current_schema(), %s)", [grant, role])
            cursor.execute(cursor.fetchone()[0])


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        pre_migrate.connect(lift_statement_timeout, sender=self)
        post_migrate.connect(restore_statement_timeout, sender=self)
        post_migrate.connect(grant_runtime_privileges, sender=self)
