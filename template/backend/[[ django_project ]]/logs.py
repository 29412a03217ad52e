"""Structured logging: one JSON object per line, for people and log shippers.

Every record carries the id of the request it belongs to (set by
RequestLogMiddleware), so all lines of one request can be found together.
The same configuration is used by Django and by gunicorn's own logger.

No customer data is logged: the request Django attaches to its records (its
repr carries the query string, ``?email=...``) is left out, tracebacks name
each exception's class but not its message (a database error quotes the
row it failed on), and access lines carry the route, not the raw path.
"""

import logging
import logging.config
import logging.handlers
import os
import re
import traceback
from contextvars import ContextVar
from pathlib import Path

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Where django-redis reports each Redis error it ignored (DJANGO_REDIS_LOGGER).
IGNORED_CACHE_ERRORS_LOGGER = f"{__package__}.dependencies.ignored_cache_errors"


def _exception_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def traceback_without_messages(error: BaseException) -> str:
    """The traceback Python would print, chained exceptions included, with
    each exception's class but not its message."""
    chain: list[BaseException] = []  # the logged exception first, then its causes
    link: BaseException | None = error
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    parts = []
    for index in reversed(range(len(chain))):
        error = chain[index]
        frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        parts.append(f"Traceback (most recent call last):\n{frames}")
        parts.append(f"{_exception_name(error)} (message not logged)\n")
        if index:
            parts.append(_CAUSE if chain[index - 1].__cause__ is error else _CONTEXT)
    return "".join(parts)


class JsonFormatter(BaseJsonFormatter):
    def formatException(self, ei) -> str:
        return traceback_without_messages(ei[1]).rstrip("\n")


def current_request_id() -> str | None:
    """The id of the request being handled (the audit trail records it too)."""
    return request_id.get()


JSON_FORMATTER = {
    "()": JsonFormatter,
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": True,
    # Django's request logs attach the HttpRequest, whose repr is the full
    # request line, query string included.
    "reserved_attrs": [*RESERVED_ATTRS, "request"],
}


# The logged path of a request that matched no URL pattern: a client may
# write anything into a path, personal data included.
UNMATCHED = "(unmatched)"


def routed_path(request) -> str:
    """The path with what the URL pattern captured from it replaced by the
    names it captured them under: /api/customers/{pk}/."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    captured = [("", value) for value in match.args] + list(match.kwargs.items())
    path: str = request.path
    # Longest first, whole segments only: a value "1" must not hit "/v1/".
    named = sorted(
        ((str(value), name) for name, value in captured if str(value)), key=lambda v: -len(v[0])
    )
    if any("/" in value for value, _ in named):
        # A value of several segments (a path converter's): by pattern.
        for value, name in named:
            path = re.sub(rf"(?<=/){re.escape(value)}(?=/|$)", f"{{{name}}}", path)
        return path
    # One segment each (nearly every route): compared segment by segment,
    # as a pattern per value would be compiled anew for every new id.
    placeholders: dict[str, str] = {}
    for value, name in named:
        placeholders.setdefault(value, f"{{{name}}}")
    return "/".join(placeholders.get(segment, segment) for segment in path.split("/"))


class RoutedPathFilter(logging.Filter):
    """Django's request logs ("Not Found: /the/path") name the raw path: the
    route instead, as in the access lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is not None and isinstance(record.args, tuple):
            # Django escapes the arguments of its request logs (log_message).
            escaped = path.encode("unicode_escape").decode("ascii")
            route = routed_path(request)
            record.args = tuple(route if arg == escaped else arg for arg in record.args)
        return True


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


class ClientErrorFilter(logging.Filter):
    """One WARNING line, without a traceback, for a request Django refused as
    suspicious (django.security: a Host header not in ALLOWED_HOSTS, an
    oversized form). Django logs each at ERROR with its traceback; it is the
    client's error, answered 400, and an ERROR per forged request would page
    whoever watches the error rate."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security.") and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files the service's user and group may read, nobody else (0640)."""

    def _open(self):
        # Created with its mode, so the file is never readable by others for a
        # moment; one made earlier with the umask's mode is corrected.
        os.close(os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640))
        os.chmod(self.baseFilename, 0o640)
        return super()._open()


def _rotating_file(log_dir: str, name: str, megabytes: int, keep: int) -> dict:
    return {
        "class": PrivateRotatingFileHandler,
        "filename": str(Path(log_dir) / name),
        "maxBytes": megabytes * 1024 * 1024,
        "backupCount": keep,
        "encoding": "utf-8",
        "formatter": "json",
        "filters": ["request_id", "client_errors", "routed_path"],
    }


def build_logging(level: str = "INFO", log_dir: str | None = None) -> dict:
    """A dictConfig for stdout, plus rotating files when ``log_dir`` is given.

    Containers log to stdout; the files (application.log, and security.log
    for django.security's warnings and the ``security`` logger's log-in
    events) are for hosts that keep logs on disk.
    """
    handlers: dict[str, dict] = {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id", "client_errors", "routed_path"],
        },
        # With Redis: see IGNORED_CACHE_ERRORS_LOGGER below.
        "ignored_cache_errors": {"class": f"{__package__}.dependencies.IgnoredCacheErrorHandler"},
    }
    root_handlers = ["stdout"]
    security_handlers = ["stdout"]
    if log_dir:
        Path(log_dir).mkdir(mode=0o750, parents=True, exist_ok=True)
        handlers["application_file"] = _rotating_file(log_dir, "application.log", 50, 5)
        handlers["security_file"] = _rotating_file(log_dir, "security.log", 10, 10)
        root_handlers.append("application_file")
        security_handlers.append("security_file")

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "client_errors": {"()": ClientErrorFilter},
            "routed_path": {"()": RoutedPathFilter},
        },
        "formatters": {"json": JSON_FORMATTER},
        "handlers": handlers,
        "root": {"handlers": root_handlers, "level": level},
        "loggers": {
            # Handled by the root handlers; Django's own defaults would print
            # plain-text lines and send e-mail to ADMINS.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.security": {
                "handlers": security_handlers,
                "level": "WARNING",
                "propagate": False,
            },
            # Log-ins, failures, lock-outs, log-outs, API tokens (accounts.security).
            "security": {"handlers": security_handlers, "level": "INFO", "propagate": False},
            # django-axes's own lines repeat the security log's, as plain text.
            "axes": {"handlers": [], "level": "ERROR", "propagate": True},
            # RequestLogMiddleware writes one access line per request instead.
            "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
            "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            # django-redis logs a traceback at ERROR for every Redis error it
            # ignores; each becomes one dependencies.report() line instead.
            IGNORED_CACHE_ERRORS_LOGGER: {
                "handlers": ["ignored_cache_errors"],
                "level": "ERROR",
                "propagate": False,
            },
        },
    }


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: apply the config, and route Python warnings
    (deprecations, misconfigurations) through it instead of bare stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
