"""The SLO sees the edge: the real nginx with the rendered config writes its
access log, the real mtail with the rendered program (monitoring/mtail) turns
it into the counters the alerts read, and the real blackbox exporter with the
rendered module probes the page through nginx. A 200 from the backend moves
the 2xx count; with the backend stopped, nginx's own 502 moves the 5xx count,
which the backend's metrics never see."""

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from support.access import create_user, issue_token
from support.backend import gunicorn
from support.http import request
from support.monitoring import start_exporters
from support.nginx import EDGE_LOG_HOSTNAME, Nginx, dev_certificate

API = "/api/customers/"
SAMPLE = re.compile(r'^edge_http_responses_total\{status="(\d{3})"\} (\S+)$', re.MULTILINE)


def required(program: str) -> str:
    """A Debian package of tools/system-packages.txt: missing fails, never skips."""
    path = shutil.which(program)
    assert path, f"{program} is not installed (tools/system-packages.txt)"
    return path


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


class Mtail:
    def __init__(self, port: int):
        self.port = port

    def responses(self) -> dict[str, float]:
        """edge_http_responses_total by status, as Prometheus would scrape it."""
        text = fetch(f"http://127.0.0.1:{self.port}/metrics")
        return {status: float(value) for status, value in SAMPLE.findall(text)}

    def by_class(self, digit: str) -> float:
        return sum(v for status, v in self.responses().items() if status.startswith(digit))

    def duration_count(self) -> float:
        text = fetch(f"http://127.0.0.1:{self.port}/metrics")
        match = re.search(r"^edge_http_response_duration_seconds_count (\S+)$", text, re.M)
        return float(match.group(1)) if match else 0.0

    def wait_for(self, digit: str, expected: float, timeout: float = 15) -> float:
        deadline = time.monotonic() + timeout
        while (counted := self.by_class(digit)) != expected and time.monotonic() < deadline:
            time.sleep(0.25)
        return counted


@pytest.mark.parametrize("name", ["defaults"])
def test_what_clients_get_from_nginx_moves_the_edge_metrics(
    name, render, postgres, redis_proc, frontend_build, tmp_path
):
    required("mtail")
    required("prometheus-blackbox-exporter")
    project = render(name)
    frontend_build.require_build()
    domain = project.answers["domain_name"]
    database = postgres.create_database("edge_metrics")
    env = project.production_env(
        tmp_path / "secrets", database, f"redis://{redis_proc.host}:{redis_proc.port}/0"
    )
    env["DJANGO_TRUSTED_PROXIES"] = "127.0.0.1/32"
    certificate = dev_certificate(project.path, tmp_path / "tls")
    with ExitStack() as stack:
        backend = ExitStack()
        stack.enter_context(backend)
        backend_port = backend.enter_context(gunicorn(project, env, tmp_path / "backend.log"))
        create_user(project, env, "edge", "manager")
        token = issue_token(project, env, "edge", tmp_path)
        nginx = Nginx.before(
            project.path, backend_port, frontend_build.dist, tmp_path / "nginx", certificate
        )
        nginx.start()
        stack.callback(nginx.stop)
        assert nginx.edge_log.is_file()

        ports = start_exporters(
            stack,
            tmp_path,
            edge_logs=(project.path / "monitoring/mtail", nginx.edge_log.parent),
            blackbox_config=blackbox_config(project, tmp_path, certificate),
        )
        mtail = Mtail(ports["edge"])
        time.sleep(1)  # mtail has opened the log, and reads on from its end

        def api() -> int:
            return request(
                nginx.https_port,
                API,
                host=domain,
                tls=True,
                headers={"Authorization": f"Token {token}"},
            )[0]

        # Everything up: the backend's 200s are counted, and timed.
        assert [api() for _ in range(5)] == [200] * 5
        assert mtail.wait_for("2", 5) == 5
        assert mtail.by_class("5") == 0
        assert mtail.duration_count() == 5

        # The backend stopped: nginx answers 502 itself, and that is counted.
        backend.close()
        assert [api() for _ in range(4)] == [502] * 4
        assert mtail.wait_for("5", 4) == 4
        assert mtail.responses()["502"] == 4
        assert mtail.by_class("2") == 5

        # The probe of the public URL: the page, through nginx, without the
        # backend; a failure when nginx is gone.
        target = f"https://127.0.0.1:{nginx.https_port}/"
        assert probe(ports["blackbox"], target) == 1
        assert mtail.wait_for("2", 6) == 6

        # mtail's file has the lines of the log on stdout, no others.
        assert nginx.edge_log.read_text() == nginx.access_log()

        # nginx/edge-log.sh empties the file past its limit; mtail reads on.
        keeper = keep_small(project, nginx.edge_log.parent)
        try:
            deadline = time.monotonic() + 15
            while nginx.edge_log.stat().st_size and time.monotonic() < deadline:
                time.sleep(0.25)
            assert nginx.edge_log.stat().st_size == 0
        finally:
            os.killpg(keeper.pid, signal.SIGTERM)
        assert [api() for _ in range(3)] == [502] * 3
        assert mtail.wait_for("5", 7) == 7

        nginx.stop()
        assert probe(ports["blackbox"], target) == 0


def blackbox_config(project, tmp_path: Path, certificate: dict[str, str]) -> Path:
    """The rendered module, plus what loopback needs: the service's Host, and
    the test certificate (issued to localhost) as the one to trust."""
    config = yaml.safe_load((project.path / "monitoring/blackbox/blackbox.yml").read_text())
    module = config["modules"]["http_2xx"]
    module["http"]["headers"] = {"Host": project.answers["domain_name"]}
    module["http"]["tls_config"] = {
        "ca_file": certificate["TLS_CERTIFICATE"],
        "server_name": "localhost",
    }
    path = tmp_path / "blackbox.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def probe(port: int, target: str) -> float:
    """probe_success of one probe, as Prometheus's blackbox job asks for it."""
    query = urllib.parse.urlencode({"target": target, "module": "http_2xx"})
    text = fetch(f"http://127.0.0.1:{port}/probe?{query}")
    return float(re.search(r"^probe_success (\S+)$", text, re.MULTILINE).group(1))


def keep_small(project, directory: Path) -> subprocess.Popen:
    """The image's entrypoint hook, with a one-byte limit checked every second;
    in a session of its own, so its loop can be stopped with it."""
    script = project.path / "frontend/nginx/edge-log.sh"
    hook = subprocess.Popen(
        ["sh", script],
        env={
            "PATH": os.environ["PATH"],
            "HOSTNAME": EDGE_LOG_HOSTNAME,
            "EDGE_LOG_DIR": str(directory),
            "EDGE_LOG_MAX_BYTES": "1",
            "EDGE_LOG_CHECK_SECONDS": "1",
        },
        start_new_session=True,
    )
    assert hook.wait(timeout=10) == 0  # as the entrypoint needs: it returns at once
    return hook
