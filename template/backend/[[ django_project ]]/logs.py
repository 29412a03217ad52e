"""Structured logging: one JSON object per line, for people and log shippers.

Every record carries the id of the request it belongs to (set by
RequestLogMiddleware), so all lines of one request can be found together.
The same configuration is used by Django and by gunicorn's own logger.
"""

import logging
import logging.config
from contextvars import ContextVar
from pathlib import Path

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled (the audit trail records it too)."""
    return request_id.get()


JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": True,
}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


def _rotating_file(log_dir: str, name: str, megabytes: int, keep: int) -> dict:
    return {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(Path(log_dir) / name),
        "maxBytes": megabytes * 1024 * 1024,
        "backupCount": keep,
        "encoding": "utf-8",
        "formatter": "json",
        "filters": ["request_id"],
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
            "filters": ["request_id"],
        },
    }
    root_handlers = ["stdout"]
    security_handlers = ["stdout"]
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        handlers["application_file"] = _rotating_file(log_dir, "application.log", 50, 5)
        handlers["security_file"] = _rotating_file(log_dir, "security.log", 10, 10)
        root_handlers.append("application_file")
        security_handlers.append("security_file")

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
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
        },
    }


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: apply the config, and route Python warnings
    (deprecations, misconfigurations) through it instead of bare stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
