"""A rendered project and the commands the tests run inside it."""

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .venvs import project_venv

# Variables from the developer's shell must not leak into a rendered project's run.
_LEAKY = ("DJANGO_", "DATABASE_", "REDIS_", "SENTRY_", "GUNICORN_", "VIRTUAL_ENV", "PYTHON")


@dataclass
class Project:
    name: str
    path: Path
    answers: dict = field(init=False)

    def __post_init__(self) -> None:
        self.answers = yaml.safe_load((self.path / ".copier-answers.yml").read_text())

    @property
    def backend(self) -> Path:
        return self.path / "backend"

    @property
    def django_project(self) -> str:
        return self.answers["django_project"]

    def venv(self) -> Path:
        return project_venv(self.backend, self.answers["python_version"])

    def env(self, **extra: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY)}
        return {**clean, "PYTHONDONTWRITEBYTECODE": "1", **extra}

    def run(self, *command: str, env: dict[str, str] | None = None, timeout: float = 600):
        """Run a command from the backend's venv, in backend/; never raises on failure."""
        venv_bin = self.venv() / "bin"
        return subprocess.run(
            [str(venv_bin / command[0]), *command[1:]],
            cwd=self.backend,
            env=self.env(PATH=f"{venv_bin}:{os.environ['PATH']}", **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def production_env(self, secrets_dir: Path, database_url: str, redis_url: str = "") -> dict:
        """What a deployment provides: secrets as files, the rest as variables."""
        secrets_dir.mkdir(parents=True, exist_ok=True)
        secret_key = secrets_dir / "django_secret_key"
        secret_key.write_text("prod-like-" + "k" * 60 + "\n")
        env = {
            "DJANGO_SETTINGS_MODULE": f"{self.django_project}.settings.production",
            "DJANGO_SECRET_KEY_FILE": str(secret_key),
            "DATABASE_URL": database_url,
        }
        if self.answers["use_redis"]:
            env["REDIS_URL"] = redis_url or "redis://127.0.0.1:6379/0"
        return env
