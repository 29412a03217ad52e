from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


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


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        pre_migrate.connect(lift_statement_timeout, sender=self)
        post_migrate.connect(restore_statement_timeout, sender=self)
