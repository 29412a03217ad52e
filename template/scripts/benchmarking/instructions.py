"""Instructions per request under valgrind's callgrind: one gunicorn worker
with one thread, a fixed sequence of requests per scenario (the same seed
every time), counted only while that sequence runs. Unlike time, the count
does not move with the machine's load, so a change's cost shows to about
1 %: what the change-by-change comparison needs."""

import http.client
import json
import random
import re
import subprocess
import time
from pathlib import Path

from rehearsal.http_client import Client
from rehearsal.report import RehearsalFailed, check

from .open_loop import connect
from .scenarios import Scenario

# gunicorn's settings for the count: one worker that is never recycled,
# one request at a time, the same hash seed in every run; and time limits
# for a process that runs tens of times slower under valgrind, so that its
# first connections do not time out (the count does not depend on them).
BACKEND_ENV = {
    "GUNICORN_WORKERS": "1",
    "GUNICORN_THREADS": "1",
    "GUNICORN_MAX_REQUESTS": "0",
    "GUNICORN_TIMEOUT": "600",
    "PYTHONHASHSEED": "0",
    "DATABASE_CONNECT_TIMEOUT": "60",
    "DATABASE_POOL_TIMEOUT": "60",
    "DATABASE_STATEMENT_TIMEOUT": "60",
    "REDIS_CONNECT_TIMEOUT": "30",
    "REDIS_SOCKET_TIMEOUT": "30",
}
SEED = 16
# A request counted under callgrind runs some 50 times slower than natively.
REQUEST_TIMEOUT_S = 300


def valgrind(valgrind_path: str, workdir: Path) -> list[str]:
    """The wrapper gunicorn runs under: nothing is counted until asked."""
    return [
        valgrind_path,
        "--tool=callgrind",
        "--instr-atstart=no",
        "--trace-children=yes",
        f"--callgrind-out-file={workdir}/callgrind.out.%p",
    ]


def _worker(master: int) -> int:
    """The one gunicorn worker: the master's only child."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(1)
    raise RehearsalFailed("gunicorn started no worker under valgrind")


def _control(control: str, *args: str) -> str:
    return subprocess.run(
        [control, *args], capture_output=True, text=True, check=True, timeout=600
    ).stdout


def _send(connection: http.client.HTTPConnection, client: Client, scenario: Scenario, rng) -> int:
    request = scenario.draw(rng)
    headers = {"Accept": "application/json", **client.headers}
    if client.token:
        headers["Authorization"] = f"Token {client.token}"
    body = None
    if request.body is not None:
        body = json.dumps(request.body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(request.method, request.path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def count(
    control: str,
    master: int,
    client: Client,
    scenarios: list[Scenario],
    workdir: Path,
    requests: int,
    warmup: int,
) -> dict[str, float]:
    """{scenario: instructions per request}, each from its own dump."""
    worker = _worker(master)
    counts = {}
    for scenario in scenarios:
        rng = random.Random(SEED)  # noqa: S311 (a sequence to repeat, not a secret)
        connection = connect(client.base, REQUEST_TIMEOUT_S)
        # Warm: the worker's caches, the pool, PostgreSQL's buffers.
        for _ in range(warmup):
            _send(connection, client, scenario, rng)
        _control(control, "--zero", str(worker))
        _control(control, "--instr=on", str(worker))
        statuses = [_send(connection, client, scenario, rng) for _ in range(requests)]
        _control(control, "--instr=off", str(worker))
        before = set(workdir.glob(f"callgrind.out.{worker}.*"))
        _control(control, "--dump", str(worker))
        connection.close()
        check(all(200 <= s < 300 for s in statuses), f"{scenario.name}: every request answered 2xx")
        # Each dump is a file of its own: callgrind.out.<pid>.<number>.
        (dump,) = set(workdir.glob(f"callgrind.out.{worker}.*")) - before
        # The dump's last line: "totals: <instructions>".
        totals = re.findall(r"^totals: (\d+)$", dump.read_text(), re.MULTILINE)
        counts[scenario.name] = int(totals[-1]) / requests
    return counts
