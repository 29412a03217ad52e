"""An open-loop client: requests start on a fixed schedule (a constant
arrival rate), whether or not the earlier ones have been answered, so the
latency is what a request costs at that load, not the length of a queue of
closed-loop clients. Each request's latency counts from the moment it was
due: one that starts late because every connection was busy waits in the
figures too (no coordinated omission), and late starts are counted."""

import http.client
import json
import random
import ssl
import threading
import time
import urllib.parse

from rehearsal.http_client import Client

from .scenarios import Scenario

# A start more than this after its due time is late: the client fell behind.
LATE_MS = 5
# Bounds: connections in flight, and each request's time.
MAX_CONNECTIONS = 64
TIMEOUT_S = 10
# Named tuples of exceptions, not parenthesised in the except clauses: ruff's
# formatter drops those parentheses for Python 3.14 (PEP 758) and keeps them
# for older targets, so one text is formatted for every python_version.
# A kept-alive connection the server closed: reconnect and send again.
DROPPED = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
# Anything else that broke the request: reconnect, count it failed.
BROKEN = (OSError, http.client.HTTPException)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def connect(base: str, timeout: float = TIMEOUT_S) -> http.client.HTTPConnection:
    """A keep-alive connection; each request on it is bounded by `timeout`."""
    url = urllib.parse.urlsplit(base)
    if url.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the self-signed certificate made for the run
        return http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout, context=context)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def open_loop(client: Client, scenario: Scenario, rate: float, seconds: float, seed: int) -> dict:
    """`rate` requests a second for `seconds`; latencies and errors."""
    total = max(1, int(rate * seconds))
    rng = random.Random(seed)  # noqa: S311 (a sequence to repeat, not a secret)
    requests = [scenario.draw(rng) for _ in range(total)]
    headers = {"Accept": "application/json", **client.headers}
    if client.token:
        headers["Authorization"] = f"Token {client.token}"
    lock = threading.Lock()
    following = iter(range(total))
    latencies: list[float] = []
    counts = {"errors": 0, "late": 0}
    # Every connection (its TLS handshake) made before the schedule starts.
    connections = [connect(client.base) for _ in range(min(MAX_CONNECTIONS, total))]
    for connection in connections:
        connection.connect()
    start = time.monotonic() + 0.2

    def worker(connection: http.client.HTTPConnection) -> None:
        while True:
            with lock:
                index = next(following, None)
            if index is None:
                break
            due = start + index / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            late = time.monotonic() - due > LATE_MS / 1000
            request = requests[index]
            body = json.dumps(request.body).encode() if request.body is not None else None
            sent = {**headers, **({"Content-Type": "application/json"} if body else {})}
            ok = False
            # A keep-alive connection the server closed while it idled is
            # tried again once, on a new one, as HTTP clients' pools do.
            for attempt in (1, 2):
                try:
                    connection.request(request.method, request.path, body=body, headers=sent)
                    response = connection.getresponse()
                    response.read()
                    ok = 200 <= response.status < 300
                    break
                except DROPPED:
                    connection.close()
                    connection = connect(client.base)
                    if attempt == 2:
                        break
                except BROKEN:
                    connection.close()
                    connection = connect(client.base)
                    break
            elapsed = (time.monotonic() - due) * 1000
            with lock:
                latencies.append(elapsed)
                counts["late"] += late
                counts["errors"] += not ok
        connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * TIMEOUT_S + 5)
    elapsed = time.monotonic() - start
    return {
        "rate": rate,
        "requests": len(latencies),
        "throughput": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
        "errors": counts["errors"],
        "late_starts": counts["late"],
        "error_rate": counts["errors"] / total,
    }
