"""The background worker as the stack runs it: docker-compose.prod.yml's
worker service (its command, the backend's production settings, the mail
relay's password) from this machine's venv, or from the backend's image.

The rehearsal starts it beside gunicorn; the template's tests start it the
same way to take it away (SIGSTOP, SIGTERM) and bring it back.
"""

import json
import signal
import subprocess
import sys
from pathlib import Path

from . import containers
from .processes import Processes, wait_until
from .project import BACKEND

# Its first log line once its loop runs (run_worker's "worker started").
STARTED = "worker started"


class Worker:
    def __init__(
        self,
        processes: Processes,
        name: str,
        process: subprocess.Popen,
        healthcheck: list,
        env: dict[str, str] | None = None,
    ) -> None:
        self.processes = processes
        self.name = name
        self.process = process
        # The stack's health check, as run here or in the container.
        self.healthcheck = healthcheck
        self.env = env

    def healthy(self) -> bool:
        """The stack's health check passes: the loop's heartbeat is fresh."""
        result = subprocess.run(
            self.healthcheck, cwd=BACKEND, env=self.env, capture_output=True, check=False
        )
        return result.returncode == 0

    def log(self) -> str:
        return self.processes.log(self.name)

    def log_lines(self) -> list[dict]:
        """Its log, one JSON object a line (the backend's logging)."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def wait_for_log(self, message: str, count: int = 1, timeout: float = 60) -> None:
        wait_until(
            lambda: sum(line.get("message") == message for line in self.log_lines()) >= count,
            f"{count} x {message!r} in the {self.name}'s log",
            timeout,
        )

    def pause(self) -> None:
        """Frozen as a hung process is: it neither works nor exits."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as the stack stops it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def command() -> list[str]:
    """The worker service's command: ["python", "manage.py", "run_worker"]."""
    return containers.service("worker")["command"]


def healthcheck() -> list[str]:
    """The worker service's health check, after its "CMD": ["python",
    "worker_healthcheck.py"]."""
    return containers.service("worker")["healthcheck"]["test"][1:]


def native(program: list[str], python: Path) -> list:
    """A command of the image, run from this machine's venv."""
    return [python if part == "python" else part for part in program]


def start_worker(
    processes: Processes,
    env: dict[str, str],
    *arguments: str,
    python: Path = Path(sys.executable),
    name: str = "worker",
) -> Worker:
    """The worker from this machine's venv (`python`), with `env` and its
    heartbeat in the work directory; `arguments` go to run_worker."""
    env = {**env, "WORKER_HEARTBEAT_FILE": str(processes.workdir / f"{name}-heartbeat")}
    process = processes.spawn(
        name,
        [*native(command(), python), *arguments],
        None,
        ready=lambda: STARTED in processes.log(name),
        cwd=BACKEND,
        env=env,
    )
    return Worker(processes, name, process, native(healthcheck(), python), env)


def start_worker_image(
    processes: Processes,
    image: str,
    env: dict[str, str],
    secrets: dict[str, Path],
) -> Worker:
    """The worker from the backend's image, as the stack runs it, on the
    host's network (its database and mail relay are on loopback here)."""
    arguments = containers.run_arguments(
        image,
        env=env,
        secrets=secrets,
        flags=["--network", "host", *containers.runs_as_stack("worker")],
        directory=processes.workdir / "worker-secrets",
    )
    run = containers.running("worker")
    process = processes.spawn(
        "worker",
        [*run, *arguments, *command()],
        None,
        ready=lambda: STARTED in processes.log("worker"),
    )
    # `podman run ... --name NAME`: the check runs in that container.
    name = run[run.index("--name") + 1]
    return Worker(processes, "worker", process, [containers.ENGINE, "exec", name, *healthcheck()])
