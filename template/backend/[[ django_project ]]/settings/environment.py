"""Typed access to the process environment, with Docker-style secret files.

A value named ``NAME`` is read from the file named by ``NAME_FILE`` when that is
set (how Docker and Swarm secrets arrive), otherwise from ``NAME`` itself.
Required values that are missing are collected, so a misconfigured deployment
fails once at start-up with every missing name listed instead of one per try.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Environment:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._missing: list[str] = []

    def _raw(self, name: str) -> str | None:
        path = self._environ.get(f"{name}_FILE")
        if path:
            try:
                # Secret files usually end with a newline that is not part of the value.
                return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as error:
                raise ImproperlyConfigured(
                    f"{name}_FILE points to {path!r}, which cannot be read: {error.strerror}"
                ) from None
        return self._environ.get(name)

    def string(self, name: str, default: str | None = None) -> str:
        value = self._raw(name)
        if value is None or value == "":
            if default is None:
                self._missing.append(name)
                return ""
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")

    def integer(self, name: str, default: int) -> int:
        value = self._raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None

    def number(self, name: str, default: float) -> float:
        value = self._raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            return float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None

    def comma_list(self, name: str, default: list[str] | None = None) -> list[str]:
        """A comma-separated list; required when no default is given."""
        value = self._raw(name)
        items = [item.strip() for item in (value or "").split(",") if item.strip()]
        if items:
            return items
        if default is None:
            self._missing.append(name)
            return []
        return default

    def require_complete(self) -> None:
        """Raise, naming every required value that was asked for and not found."""
        if self._missing:
            names = ", ".join(f"{name} (or {name}_FILE)" for name in self._missing)
            raise ImproperlyConfigured(f"Missing required environment variables: {names}")


env = Environment()
