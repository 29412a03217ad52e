"""Mail in the template's tests, through a render's own rehearsal parts: its
mail catcher (scripts/rehearsal/mail_catcher.py, a real SMTP server on
loopback) and its worker (scripts/rehearsal/worker.py, run_worker as the
stack runs it). One implementation of each, shared with the rehearsal."""

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from .scripts import imported


@contextmanager
def mail_parts(project) -> Iterator[SimpleNamespace]:
    """The render's mail_catcher, worker and processes modules."""
    with imported(project.path, "rehearsal"):
        yield SimpleNamespace(
            mail_catcher=importlib.import_module("rehearsal.mail_catcher"),
            worker=importlib.import_module("rehearsal.worker"),
            processes=importlib.import_module("rehearsal.processes"),
        )


@contextmanager
def running_worker(parts, project, env: dict, workdir: Path, *arguments: str):
    """The worker from the render's venv with `env` (its log in `workdir`,
    worker.log); stopped with SIGTERM, which it must obey at once, cleanly."""
    workdir.mkdir(parents=True, exist_ok=True)
    processes = parts.processes.Processes(workdir)
    try:
        worker = parts.worker.start_worker(
            processes,
            project.env(**env),
            "--interval",
            "0.2",
            *arguments,
            python=project.venv() / "bin" / "python",
        )
        yield worker
        worker.resume()  # were it paused
        started = time.monotonic()
        assert worker.stop(timeout=30) == 0, worker.log()[-3000:]
        assert time.monotonic() - started < 10
    finally:
        processes.stop_all()
