"""django-prometheus's PostgreSQL backend, wrapping each pooled connection once.

django-prometheus counts queries by replacing a connection's cursor factory
with a counting subclass of it every time Django takes a connection. With
Django's connection pool that is the same connection again and again: the
subclasses nest one level deeper per request, so every query runs through
one more layer of counting per request the worker has served (measured:
10 ms a request after 300 requests, 24 ms after 1,200) until gunicorn
recycles the worker. Here a connection's factory is wrapped only once.
"""

from django.db.backends.postgresql import base
from django_prometheus.db.backends.postgresql.base import (
    DatabaseWrapper as PrometheusDatabaseWrapper,
)
from django_prometheus.db.common import ExportingCursorWrapper


class DatabaseWrapper(PrometheusDatabaseWrapper):
    def get_new_connection(self, conn_params):
        # Past django-prometheus's own get_new_connection, which wraps every
        # time: its mixin (counting connections) and Django's (the pool).
        connection = super(PrometheusDatabaseWrapper, self).get_new_connection(conn_params)
        if not getattr(connection.cursor_factory, "exports_metrics", False):
            factory = ExportingCursorWrapper(
                connection.cursor_factory or base.Cursor, self.alias, self.vendor
            )
            factory.exports_metrics = True
            connection.cursor_factory = factory
        return connection
