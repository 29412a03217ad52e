"""The servers the rehearsal starts: each logs to a file of its own in the
work directory, and every one is stopped again, last started first."""

import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from .report import RehearsalFailed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RehearsalFailed(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RehearsalFailed(f"nothing answered on port {port}") from None
            time.sleep(0.2)


class Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.running: list[tuple[str, subprocess.Popen]] = []
        # Clean-ups (log files, temporary directories), run after the stops.
        self.cleanup = ExitStack()

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text()

    def spawn(
        self,
        name: str,
        command: list,
        port: int | None,
        ready_within: float = 60,
        ready: Callable[[], bool] | None = None,
        **kwargs,
    ) -> subprocess.Popen:
        """Start a server logging to <workdir>/<name>.log; return once `port`
        answers or, for a process that listens on none, once `ready()` holds."""
        log = (self.workdir / f"{name}.log").open("w")
        self.cleanup.callback(log.close)
        process = subprocess.Popen(
            [str(part) for part in command], stdout=log, stderr=subprocess.STDOUT, **kwargs
        )
        self.running.append((name, process))
        if port is not None:
            wait_for_port(port, ready_within)
        if ready is not None:
            wait_until(lambda: ready() or process.poll() is not None, f"{name} ready", ready_within)
            if process.poll() is not None:
                raise RehearsalFailed(f"{name} ended: {self.log(name)[-2000:]}")
        return process

    def stop_all(self) -> None:
        for name, process in reversed(self.running):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            print(f"    stopped {name}", flush=True)
        self.running.clear()
        self.cleanup.close()
