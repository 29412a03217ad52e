"""Covering indexes for the list's search, in place of 0002's prefix indexes.

customers.search asks, for each of three columns, the newest customers whose
``UPPER(column)`` starts with the term. Each index holds the search key
(``text_pattern_ops``, so the prefix match works under any collation), the
page's ordering columns and the column itself, which PostgreSQL needs in the
index to answer a condition on ``UPPER(column)`` from the index alone: every
subquery is then an index-only scan and reads no table rows but the page's.

The statistics target of the search key is raised from the default 100 to
1000: with 100, a term that happens to be one of the few values the sample
keeps looks ten times as common as it is (1 % instead of 0.1 % at a million
customers, for the benchmark's names), which is what tips PostgreSQL onto
walking the created_at index. ANALYZE then samples 300,000 rows.

PostgreSQL only, built CONCURRENTLY so that a deployment over a full table
does not block writes, as in 0002; the new indexes are in place before the
old ones go, so search never lacks an index.
"""

from django.db import migrations

COLUMNS = ("last_name", "first_name", "email")
STATISTICS = 1000


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        name = f"customers_{column}_search_idx"
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON customers"
            f" ((UPPER({column}::text)) text_pattern_ops, created_at, id) INCLUDE ({column})"
        )
        schema_editor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS customers_{column}_prefix_idx")
    schema_editor.execute("ANALYZE customers")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_{column}_prefix_idx"
            f" ON customers ((UPPER({column}::text)) text_pattern_ops)"
        )
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS customers_{column}_search_idx")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("customers", "0002_search_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
