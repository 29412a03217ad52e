"""What the service does when PostgreSQL or Redis fails: answer at once.

Every call to either is bounded (see the settings: connect, socket, pool
and statement timeouts), and a failure is reported the same way wherever it
happens: one WARNING line on the ``<project>.dependencies`` logger naming the
dependency and the error's class (never its message, which can quote data),
and the ``unavailable`` signal, which the metrics count when monitoring is
on. Then:

- Redis: the caches degrade to a miss and writes to them are dropped
  (django-redis's IGNORE_EXCEPTIONS); sessions fall back to the database;
  rate limits fail open (RATELIMIT_FAIL_OPEN), so the API keeps serving.
- PostgreSQL: the request is answered 503 with Retry-After, in JSON, by
  DependencyFailureMiddleware, instead of a 500 and a traceback; while the
  failure lasts, one request at a time tries the database and the others
  are answered at once.
"""

import logging
import sys
import threading
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

# Sent with dependency="database" or "redis" and the error, once per failure.
unavailable = Signal()

# Seconds a client is asked to wait: a pool reconnects within a few.
RETRY_AFTER_SECONDS = 5


def _root_cause(error: BaseException) -> BaseException:
    """psycopg's or redis-py's error under Django's and django-redis's."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def _error_name(error: BaseException) -> str:
    """The class of the error's root cause, which says what happened (a
    refused connection, a timeout) without the message."""
    cause = _root_cause(error)
    return f"{type(cause).__module__}.{type(cause).__qualname__}"


def report(dependency: str, error: BaseException) -> None:
    logger.warning(
        "%s unavailable", dependency, extra={"dependency": dependency, "error": _error_name(error)}
    )
    unavailable.send(sender=report, dependency=dependency, error=error)


class IgnoredCacheErrorHandler(logging.Handler):
    """Receives django-redis's report of each error IGNORE_EXCEPTIONS ignored.

    django-redis logs each one with a full traceback at ERROR (its logger is
    DJANGO_REDIS_LOGGER): for an outage, a traceback per request. This turns
    each into a report() instead. (django-prometheus's cache logs its own
    without exc_info, but from inside the except block, where the error is.)
    """

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if error is not None:
            report("redis", error)


class DependencyFailureMiddleware:
    """A database that cannot be reached, or answers too slowly, is a 503.

    Finding that out costs a request up to the pool's timeout. After one
    failure, so that an outage does not tie up every thread of every worker
    for that long (and starve the probes), the process lets one request at a
    time try the database and answers the others 503 at once; the first
    request that gets through without a database error closes the circuit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.failing = False
        self.trial = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.failing:
            return self.get_response(request)
        if not self.trial.acquire(blocking=False):
            return unavailable_response()
        try:
            response = self.get_response(request)
            if not getattr(request, "_database_failed", False):
                self.failing = False
            return response
        finally:
            self.trial.release()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # OperationalError: no connection within the pool's timeout, a lost
        # connection, statement_timeout; InterfaceError: a connection that
        # closed under the request. Both pass once the database is back.
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        report("database", exception)
        # An error the server sent has an SQLSTATE (a statement timeout, a
        # deadlock): the database is there, only this request failed. One
        # without (no connection from the pool, a lost connection) opens
        # the circuit.
        if getattr(_root_cause(exception), "sqlstate", None) is None:
            self.failing = True
            request._database_failed = True  # type: ignore[attr-defined]  # a flag for __call__, read with getattr
        return unavailable_response()


def unavailable_response() -> JsonResponse:
    response = JsonResponse(
        {"detail": "The service is temporarily unavailable. Try again shortly."}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
