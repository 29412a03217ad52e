"""Dependencies that fail: PostgreSQL and Redis stopped, frozen (SIGSTOP) and
resumed under the backend as deployed (gunicorn, the image's command and
config, production settings), while clients keep calling the API and a probe
keeps asking for liveness. Measured, not assumed: the test prints what it saw."""

import itertools
import json
import signal
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from pytest_redis.executor import RedisExecutor

from support.access import create_user, issue_token
from support.backend import gunicorn
from support.http import request
from support.postgres import free_port

# Its bounds are times: it runs after the parallel part of the suite, alone.
pytestmark = pytest.mark.alone

# What an orchestrator's probe allows (Kubernetes' default timeoutSeconds).
PROBE_TIMEOUT = 1.0
CLIENTS = 6
# Django's list budget in these tests; the traffic's clients each come from
# an address of their own, so only LIMITED ever spends it.
LIST_RATE = "3/m"
LIMITED = "203.0.113.99"
_numbers = itertools.count(1)


def address(number: int) -> str:
    """A client address of its own for each request: 10.x.y.z."""
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


@dataclass
class Answer:
    status: int | None  # None: no answer within the client's timeout
    seconds: float
    headers: dict = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Service:
    project: object
    port: int
    log: object
    credentials: dict

    def call(self, path: str, *, timeout: float = 30, **kwargs) -> Answer:
        started = time.monotonic()
        try:
            status, headers, body = request(self.port, path, timeout=timeout, **kwargs)
        except OSError:
            return Answer(None, time.monotonic() - started)
        return Answer(status, time.monotonic() - started, headers, body)

    def api(self, path: str = "/api/customers/", client: str = "", **kwargs) -> Answer:
        number = next(_numbers)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": client
            or f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}",
            "Content-Type": "application/json",
            **self.credentials,
        }
        return self.call(path, host=self.project.answers["domain_name"], headers=headers, **kwargs)

    def create(self) -> Answer:
        number = next(_numbers)
        body = {
            "first_name": "Fault",
            "last_name": f"Test{number}",
            "email": f"f{number}@example.com",
        }
        return self.api(method="POST", body=json.dumps(body).encode())

    def live(self) -> Answer:
        return self.call("/health/live/", timeout=PROBE_TIMEOUT)

    def ready(self) -> Answer:
        return self.call("/health/ready/", timeout=10)

    def log_lines(self) -> list[dict]:
        return [
            json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")
        ]


@contextmanager
def traffic(service: Service):
    """CLIENTS clients listing and creating in a loop, and a liveness probe
    every 0.2 s; yields the lists their answers are collected in."""
    api: list[Answer] = []
    probes: list[Answer] = []
    stop = threading.Event()

    def client(n: int) -> None:
        while not stop.is_set():
            api.append(service.api() if n % 2 else service.create())

    def probe() -> None:
        while not stop.is_set():
            probes.append(service.live())
            stop.wait(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    try:
        yield api, probes
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def summary(label: str, answers: list[Answer]) -> str:
    codes: dict = {}
    for answer in answers:
        codes[answer.status] = codes.get(answer.status, 0) + 1
    seconds = [answer.seconds for answer in answers]
    return (
        f"{label}: {len(answers)} answers {codes}, median {statistics.median(seconds):.3f} s, "
        f"95th percentile {p95(answers):.3f} s, max {max(seconds):.3f} s"
    )


def p95(answers: list[Answer]) -> float:
    seconds = [answer.seconds for answer in answers]
    return statistics.quantiles(seconds, n=20, method="inclusive")[-1]


def assert_fast(answers: list[Answer], median: float, p95_bound: float) -> None:
    """Bounds on what clients waited: the slowest few are left out of the
    95th percentile (this machine's other work can delay any request), but
    none may hang."""
    assert statistics.median(a.seconds for a in answers) < median, summary("API", answers)
    assert p95(answers) < p95_bound, summary("API", answers)
    assert max(a.seconds for a in answers) < 5, summary("API", answers)


def wait_until(check, timeout: float) -> float:
    """Seconds until check() holds; fails after timeout."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


def until_ready(service: "Service", timeout: float) -> float:
    return wait_until(lambda: service.ready().status == 200, timeout)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, to stop and freeze."""
    server = RedisExecutor(
        "/usr/bin/redis-server",
        databases=1,
        redis_timeout=30,
        loglevel="warning",
        host="127.0.0.1",
        port=free_port(),
        datadir=tmp_path,
    )
    server.start()
    try:
        yield server
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


@pytest.fixture
def backend(request, render, postgres, own_redis, tmp_path):
    """gunicorn serving the render on this test's database and Redis; yields
    the project, its settings and the port."""
    project = render(request.param)
    env = project.production_env(
        tmp_path / "secrets",
        postgres.create_database(f"faults_{request.param}"),
        f"redis://{own_redis.host}:{own_redis.port}/0",
    )
    env.update(DJANGO_TRUSTED_PROXIES="127.0.0.1/32", CUSTOMERS_LIST_RATE=LIST_RATE)
    with gunicorn(project, env, tmp_path / "gunicorn.log") as port:
        yield project, env, port


@pytest.fixture
def credentials(backend, tmp_path) -> dict[str, str]:
    """A manager's API token header, made as operators make one. Requests
    with a token never reach the log-in lock-out, and the rate limits count
    per client address, which the traffic varies: neither changes what the
    tests measure."""
    project, env, _ = backend
    create_user(project, env, "operator", "manager")
    return {"Authorization": f"Token {issue_token(project, env, 'operator', tmp_path)}"}


@pytest.fixture
def service(backend, credentials, tmp_path):
    project, _, port = backend
    service = Service(project, port, tmp_path / "gunicorn.log", credentials)
    assert service.ready().status == 200
    return service


def during(service: Service, seconds: float) -> tuple[list[Answer], list[Answer]]:
    with traffic(service) as (api, probes):
        time.sleep(seconds)
    return api, probes


def assert_probes_all_answered(probes: list[Answer]) -> None:
    """Liveness stays 200 within the probe's timeout however the dependencies
    are. An orchestrator restarts a container after several failed probes in
    a row (this project's health checks: 3); the test allows no two in a
    row, and only the odd one when this shared machine is busy."""
    assert probes, "no probe ran"
    missed = [p.status != 200 for p in probes]
    assert not any(a and b for a, b in itertools.pairwise(missed)), summary("probes", probes)
    assert sum(missed) <= len(probes) // 10, summary("probes", probes)
    assert {p.status for p in probes} <= {200, None}, summary("probes", probes)


def failure_lines(service: Service, dependency: str) -> list[dict]:
    return [
        line
        for line in service.log_lines()
        if line.get("logger", "").endswith(".dependencies") and line.get("dependency") == dependency
    ]


def assert_no_traceback_from_requests(service: Service) -> None:
    """Requests log no traceback (readiness logs its failed check for operators)."""
    tracebacks = [
        line
        for line in service.log_lines()
        if "exc_info" in line and not line.get("logger", "").endswith(".health")
    ]
    assert not tracebacks, tracebacks[:2]


def assert_failures_counted(service: Service, dependency: str, lines: list[dict]) -> None:
    """With monitoring, /metrics counts every failure that was logged."""
    if not service.project.answers["use_monitoring"]:
        return
    metrics = service.call("/metrics").body.decode()
    name = f'django_dependency_failures_total{{dependency="{dependency}"}}'
    counted = sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name))
    assert counted >= len(lines) > 0


@pytest.mark.parametrize("backend", ["defaults"], indirect=True)
def test_without_redis_the_api_keeps_serving_fast(service, own_redis):
    limited = [service.api(client=LIMITED).status for _ in range(4)]
    assert limited == [200, 200, 200, 429]
    report = []

    own_redis.stop()
    ready = service.ready()
    assert ready.status == 503 and ready.seconds < 1, ready
    assert json.loads(ready.body)["checks"]["cache"] == "unavailable"
    api, probes = during(service, 3)
    report += [
        f"Redis stopped: readiness {ready.status} in {ready.seconds:.2f} s",
        summary("Redis stopped: API", api),
        summary("Redis stopped: liveness", probes),
    ]
    assert {a.status for a in api} <= {200, 201}, summary("API", api)
    assert_fast(api, median=0.2, p95_bound=0.5)
    assert_probes_all_answered(probes)
    # The rate limit fails open: the client that had spent its budget is served.
    assert service.api(client=LIMITED).status == 200
    own_redis.start()
    report.append(f"Redis started: ready after {until_ready(service, 5):.2f} s")

    # Counted again: spend the budget (what is left of it after the restart).
    assert 429 in [service.api(client=LIMITED).status for _ in range(4)]
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        ready = service.ready()
        api, probes = during(service, 3)
        fail_open = service.api(client=LIMITED)
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    report += [
        f"Redis frozen: readiness {ready.status} in {ready.seconds:.2f} s",
        summary("Redis frozen: API", api),
        summary("Redis frozen: liveness", probes),
    ]
    assert ready.status == 503 and ready.seconds < 1, ready
    assert {a.status for a in api} <= {200, 201}, summary("API", api)
    # Each cache call waits out the socket timeout; the rate limit makes one.
    assert_fast(api, median=0.75, p95_bound=1.0)
    assert_probes_all_answered(probes)
    assert fail_open.status == 200
    report.append(f"Redis resumed: ready after {until_ready(service, 5):.2f} s")
    assert service.api(client=LIMITED).status == 429  # its counter survived the freeze
    print("", *report, sep="\n")

    lines = failure_lines(service, "redis")
    assert lines and all(line["level"] == "WARNING" for line in lines)
    assert {line["error"] for line in lines} <= {
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
    }
    assert_failures_counted(service, "redis", lines)
    assert_no_traceback_from_requests(service)


@contextmanager
def postgres_outage(postgres, how: str):
    if how == "frozen":
        postgres.freeze()
    else:
        postgres.stop()
        postgres.wait_until_down()
    try:
        yield
    finally:
        if how == "frozen":
            postgres.thaw()
        else:
            postgres.start()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
@pytest.mark.parametrize("backend", ["defaults", "everything-off"], indirect=True)
def test_without_postgres_the_api_answers_503_fast(service, postgres, how):
    assert service.create().status == 201
    with postgres_outage(postgres, how):
        ready = service.ready()
        api, probes = during(service, 4)
    report = [
        f"PostgreSQL {how}: readiness {ready.status} in {ready.seconds:.2f} s",
        summary(f"PostgreSQL {how}: API", api),
        summary(f"PostgreSQL {how}: liveness", probes),
    ]
    recovered = until_ready(service, 10)
    report.append(f"PostgreSQL back: ready after {recovered:.2f} s")
    # Every worker, not only the one that answered readiness: a few in a row.
    served = wait_until(lambda: all(service.api().status == 200 for _ in range(8)), 10)
    report.append(f"PostgreSQL back: API 200 after a further {served:.2f} s")
    print("", *report, sep="\n")

    assert ready.status == 503 and ready.seconds < 2, ready
    assert json.loads(ready.body)["checks"]["database"] == "unavailable"
    assert {a.status for a in api} == {503}, summary("API", api)
    # At most the pool's check and timeout; the others at once (the circuit).
    assert_fast(api, median=0.1, p95_bound=1.0)
    for answer in api:
        assert answer.headers["Retry-After"] == "5"
        assert answer.headers["Content-Type"] == "application/json"
        assert list(json.loads(answer.body)) == ["detail"]
    assert_probes_all_answered(probes)
    assert service.create().status == 201

    lines = failure_lines(service, "database")
    assert lines and all(line["level"] == "WARNING" for line in lines)
    assert_failures_counted(service, "database", lines)
    assert_no_traceback_from_requests(service)
