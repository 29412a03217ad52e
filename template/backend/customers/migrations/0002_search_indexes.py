"""Indexes for the list's search: name and e-mail prefixes, case-insensitively.

The search filter asks ``UPPER(column) LIKE UPPER('term%')`` for three
columns (Django's istartswith). Without these indexes each search reads the
whole table: about half a second at a million customers. With them it reads
the matching rows only. ``text_pattern_ops`` makes the prefix match usable
under any database collation, not only "C".

PostgreSQL only, and built CONCURRENTLY, so a deployment over a full table
does not block writes while they build. They are not declared in the model's
Meta: the operator class has no equivalent elsewhere (SQLite, used by the
test settings), and Django would try to rebuild them there.
"""

from django.db import migrations

COLUMNS = ("last_name", "first_name", "email")


def index_name(column: str) -> str:
    return f"customers_{column}_prefix_idx"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index_name(column)}"
            f" ON customers ((UPPER({column}::text)) text_pattern_ops)"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
