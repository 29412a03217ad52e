"""The rendered backend served as its image serves it, outside Docker."""

import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

from .dockerfiles import Dockerfile
from .http import wait_for
from .postgres import free_port


@contextmanager
def gunicorn(
    project,
    env: dict[str, str],
    log_path: Path,
    workers: int = 2,
    release: dict[str, str] | None = None,
):
    """Prepare the release as the image build and release step do, then run the
    image's CMD with the image's gunicorn config; yields the port. `release`:
    what the release step's environment has instead (the owner's database URL
    and DATABASE_RUNTIME_ROLE, when the servers connect as the runtime role)."""
    result = project.run("python", "manage.py", "collectstatic", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    result = project.run(
        "python", "manage.py", "migrate", "--no-input", env={**env, **(release or {})}
    )
    assert result.returncode == 0, result.stderr
    port = free_port()
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        # Each server its own metrics directory, as each container has.
        "PROMETHEUS_MULTIPROC_DIR": str(log_path.parent / "prometheus-metrics"),
    }
    command = Dockerfile.parse(project.backend / "Dockerfile").exec_form("CMD", "production")
    venv_bin = project.venv() / "bin"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [venv_bin / command[0], *command[1:]],
            cwd=project.backend,
            env=project.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, "/health/live/")
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
