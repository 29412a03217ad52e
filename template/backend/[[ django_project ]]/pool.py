"""The database pool's check of each connection it hands out, with a deadline.

psycopg_pool's own check (an empty query) waits as long as the server takes
to answer: forever when PostgreSQL is frozen (a stopped process, a host that
hangs) while the kernel still accepts its TCP traffic. Every request would
hang on its first query; this one gives up after CHECK_TIMEOUT and the pool
discards the connection, so the request fails fast (503, see dependencies.py).
"""

import selectors
import time

import psycopg
from psycopg import pq

CHECK_TIMEOUT = 0.25


def _wait(pgconn: pq.abc.PGconn, events: int, deadline: float) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(pgconn.socket, events)
        if not selector.select(max(deadline - time.monotonic(), 0)):
            raise TimeoutError


def check_connection(connection: psycopg.Connection) -> None:
    """Round-trip an empty query in CHECK_TIMEOUT seconds, or close the
    connection and raise (psycopg's connections are non-blocking underneath)."""
    pgconn = connection.pgconn
    deadline = time.monotonic() + CHECK_TIMEOUT
    try:
        pgconn.send_query(b"")
        while pgconn.flush():
            _wait(pgconn, selectors.EVENT_WRITE, deadline)
        pgconn.consume_input()
        while pgconn.is_busy():
            _wait(pgconn, selectors.EVENT_READ, deadline)
            pgconn.consume_input()
    except TimeoutError:
        connection.close()
        raise psycopg.OperationalError(
            f"the server did not answer the pool's check within {CHECK_TIMEOUT} s"
        ) from None
    while (result := pgconn.get_result()) is not None:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise psycopg.OperationalError(result.error_message.decode(errors="replace"))
