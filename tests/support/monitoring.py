"""A real Prometheus and the Debian builds of the exporters, on loopback.

The rendered prometheus.yml names the stack's services (backend, the
exporters); here each job's targets point at the loopback port where the test
runs that component instead, and everything else in the config is kept.
"""

import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml

from .http import wait_for_port
from .postgres import free_port

PROMQL_KEYWORDS = {"by", "without", "or", "and", "unless", "bool", "offset", "on", "ignoring"}


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels, keywords)."""
    text = re.sub(r'"[^"]*"', '""', expression)  # label values
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)  # grouping labels
    text = re.sub(r"\[[^\]]*\]", "", text)  # range durations
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or name in PROMQL_KEYWORDS:
            continue  # a function call or an operator
        names.add(name)
    return names


@contextmanager
def process(command: list[str], port: int, log: Path, env: dict | None = None):
    with log.open("w") as output:
        running = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for_port(port)
            yield running
        finally:
            running.terminate()
            running.wait(timeout=30)


class Prometheus:
    def __init__(self, port: int):
        self.port = port

    def query(self, expression: str) -> list[dict]:
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": expression}
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)["data"]["result"]

    def value(self, expression: str) -> float | None:
        result = self.query(expression)
        return float(result[0]["value"][1]) if result else None

    def names(self) -> set[str]:
        url = f"http://127.0.0.1:{self.port}/api/v1/label/__name__/values"
        with urllib.request.urlopen(url, timeout=10) as response:
            return set(json.load(response)["data"])

    def wait_until(self, expression: str, expected: float, timeout: float = 60) -> float | None:
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.value(expression)
            if value == expected:
                return value
            time.sleep(0.5)
        return value


def loopback_config(
    rendered: Path,
    rules: Path,
    targets: dict[str, int],
    out: Path,
    probes: dict[str, str] | None = None,
) -> Path:
    """The rendered config with each job's targets on loopback, scraped every second.

    A probe job (``probes``: job -> the URL to probe) keeps its target, a URL,
    and is sent to its exporter on loopback instead.
    """
    config = yaml.safe_load(rendered.read_text())
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [str(rules)]
    config.pop("alerting", None)  # Alertmanager is checked by amtool, not run here
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] not in targets:
            continue
        job.pop("dns_sd_configs", None)
        address = f"127.0.0.1:{targets[job['job_name']]}"
        if job["job_name"] in (probes or {}):
            job["static_configs"] = [{"targets": [probes[job["job_name"]]]}]
            [exporter] = [r for r in job["relabel_configs"] if r["target_label"] == "__address__"]
            exporter["replacement"] = address
        else:
            job["static_configs"] = [{"targets": [address]}]
        jobs.append(job)
    config["scrape_configs"] = jobs
    out.write_text(yaml.safe_dump(config))
    return out


def start_exporters(
    stack: ExitStack,
    directory: Path,
    *,
    postgres_url: str | None = None,
    redis_port: int | None = None,
    nginx_status_port: int | None = None,
    textfile_dir: Path | None = None,
    edge_logs: tuple[Path, Path] | None = None,
    blackbox_config: Path | None = None,
) -> dict[str, int]:
    """Start the exporters the stack runs, closed with the stack; {job: port}.

    ``edge_logs`` is mtail's (programs, directory of nginx's edge logs).
    """
    ports = {}
    if postgres_url:
        port = free_port()
        stack.enter_context(
            process(
                ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{port}"],
                port,
                directory / "postgres-exporter.log",
                env={"DATA_SOURCE_NAME": postgres_url + "?sslmode=disable", "PATH": "/usr/bin"},
            )
        )
        ports["postgres"] = port
    if redis_port:
        port = free_port()
        stack.enter_context(
            process(
                [
                    "prometheus-redis-exporter",
                    f"-redis.addr=redis://127.0.0.1:{redis_port}",
                    f"-web.listen-address=127.0.0.1:{port}",
                ],
                port,
                directory / "redis-exporter.log",
            )
        )
        ports["redis"] = port
    if nginx_status_port:
        port = free_port()
        stack.enter_context(
            process(
                [
                    "prometheus-nginx-exporter",
                    f"-nginx.scrape-uri=http://127.0.0.1:{nginx_status_port}/stub_status",
                    f"-web.listen-address=127.0.0.1:{port}",
                ],
                port,
                directory / "nginx-exporter.log",
            )
        )
        ports["nginx"] = port
    if textfile_dir:
        port = free_port()
        stack.enter_context(
            process(
                [
                    "prometheus-node-exporter",
                    f"--collector.textfile.directory={textfile_dir}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                port,
                directory / "node-exporter.log",
            )
        )
        ports["node"] = port
    if edge_logs:
        programs, logs = edge_logs
        port = free_port()
        stack.enter_context(
            process(
                [
                    "mtail",
                    f"--progs={programs}",
                    f"--logs={logs}/*.log",
                    "--emit_prog_label=false",
                    "--logtostderr",
                    "--address=127.0.0.1",
                    f"--port={port}",
                ],
                port,
                directory / "mtail.log",
            )
        )
        ports["edge"] = port
    if blackbox_config:
        port = free_port()
        stack.enter_context(
            process(
                [
                    "prometheus-blackbox-exporter",
                    f"--config.file={blackbox_config}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                port,
                directory / "blackbox-exporter.log",
            )
        )
        ports["blackbox"] = port
    return ports
