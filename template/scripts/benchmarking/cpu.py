"""CPU time per process class, read from /proc before and after a run.

Each server is the tree of processes under the one the benchmark started
(gunicorn's master and its workers, PostgreSQL's postmaster and its
backends, nginx's master and workers, Redis). A process's CPU is its
utime + stime, every thread included, plus cutime + cstime: what its
children used that have exited and been waited for (a PostgreSQL backend
at its connection's end, a gunicorn worker that max_requests recycled).
The client is this script's own children (wrk) or this process itself
(the open-loop driver's threads)."""

import os
import resource
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")
CLIENT = "client"


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU ms of the process and its waited-for children)."""
    try:
        text = (PROC / pid / "stat").read_text()
    except OSError:  # gone between the listing and the read
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    fields = text[text.rindex(")") + 2 :].split()
    # Fields 4 (ppid) and 14-17 (utime stime cutime cstime) of proc(5), from 3.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) * TICK_MS


def _process_table() -> dict[int, tuple[int, float]]:
    table = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(entry.name)) is not None:
            table[int(entry.name)] = stat
    return table


def tree_cpu_ms(roots: dict[str, int]) -> dict[str, float]:
    """{class: CPU ms of the tree under its root pid}, from one pass over /proc."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    totals = {}
    for name, root in roots.items():
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            if pid in table:
                total += table[pid][1]
                stack.extend(children.get(pid, ()))
        totals[name] = total
    return totals


def own_cpu_ms(who: int) -> float:
    usage = resource.getrusage(who)
    return (usage.ru_utime + usage.ru_stime) * 1000


@dataclass
class Meter:
    """CPU per class over one run: start(), then stop() gives the ms used."""

    roots: dict[str, int]
    # The client's own CPU: its waited-for children (wrk) or itself (threads).
    client: int = resource.RUSAGE_CHILDREN

    def start(self) -> None:
        self._before = {**tree_cpu_ms(self.roots), CLIENT: own_cpu_ms(self.client)}

    def stop(self) -> dict[str, float]:
        after = {**tree_cpu_ms(self.roots), CLIENT: own_cpu_ms(self.client)}
        return {name: after[name] - self._before[name] for name in after}


def measured(meter: Meter, run: Callable[[], dict]) -> dict:
    """run()'s result with "cpu_ms": the CPU ms per completed request per class."""
    meter.start()
    result = run()
    used = meter.stop()
    requests = result["requests"]
    per_request = {name: used[name] / requests if requests else 0.0 for name in used}
    return {**result, "cpu_ms": per_request}


def server_total(cpu_ms: dict[str, float], classes: Iterable[str] | None = None) -> float:
    """The servers' CPU ms per request: every class but the client's."""
    return sum(v for k, v in cpu_ms.items() if k != CLIENT and (classes is None or k in classes))
