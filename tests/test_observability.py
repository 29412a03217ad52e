"""Observability: Prometheus config, alert rules and their tests, the Grafana
dashboard and provisioning, and a real Prometheus scraping the backend under
gunicorn with several workers, next to the real exporters."""

import json
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from support.access import Client, Entry, create_user, issue_token
from support.backend import gunicorn
from support.http import request
from support.monitoring import (
    Prometheus,
    loopback_config,
    metric_names,
    process,
    start_exporters,
)
from support.nginx import Nginx, dev_certificate
from support.postgres import free_port

MONITORED = ["defaults", "all-on", "no-redis", "no-frontend", "no-backups", "renamed"]


def monitoring(project) -> Path:
    return project.path / "monitoring"


def run(*command, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False
    )


def dashboard(project) -> dict:
    return json.loads((monitoring(project) / "grafana/dashboards/service.json").read_text())


def expressions(project) -> list[str]:
    """Every PromQL expression the project ships: dashboard panels and alerts."""
    panels = [t["expr"] for p in dashboard(project)["panels"] for t in p["targets"]]
    rules = yaml.safe_load((monitoring(project) / "prometheus/alerts.yml").read_text())
    alerts = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return panels + alerts


def test_monitoring_exists_only_when_asked_for(project):
    assert monitoring(project).is_dir() == project.answers["use_monitoring"]
    stack = (project.path / "docker-compose.prod.yml").read_text()
    assert ("prometheus:" in stack) == project.answers["use_monitoring"]


@pytest.mark.parametrize("name", MONITORED)
def test_promtool_accepts_the_config_and_the_rules(name, render, tmp_path):
    prometheus = monitoring(render(name)) / "prometheus"
    # The config names the rules where the container mounts them.
    config = yaml.safe_load((prometheus / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    config["rule_files"] = [str(prometheus / "alerts.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = run("promtool", "check", "config", tmp_path / "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rules = run("promtool", "check", "rules", prometheus / "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr


@pytest.mark.parametrize("name", MONITORED)
def test_each_alert_fires_on_bad_series_and_not_on_good_ones(name, render):
    prometheus = monitoring(render(name)) / "prometheus"
    result = run("promtool", "test", "rules", "tests/alerts.test.yml", cwd=prometheus)
    assert result.returncode == 0, result.stdout + result.stderr
    tested = yaml.safe_load((prometheus / "tests/alerts.test.yml").read_text())
    alerts = yaml.safe_load((prometheus / "alerts.yml").read_text())
    defined = {r["alert"] for g in alerts["groups"] for r in g["rules"]}
    firing = {
        case["alertname"]
        for test in tested["tests"]
        for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]
    }
    quiet = {
        case["alertname"]
        for test in tested["tests"]
        for case in test.get("alert_rule_test", [])
        if not case["exp_alerts"]
    }
    assert firing == defined and quiet == defined
    expected = {
        "HighLatencyP95",
        "HighErrorRate",
        "TargetDown",
        "LoginFailureBurst",
        "TaskQueueStalled",
        "TasksFailing",
    }
    if render(name).answers["use_backups"]:
        expected.add("BackupNotVerified")
    if render(name).answers["use_frontend"]:
        expected |= {"EdgeDown", "EdgeMetricsMissing"}
    assert defined == expected


@pytest.mark.parametrize("name", MONITORED)
def test_every_expression_parses(name, render, tmp_path):
    """Dashboard and alert PromQL, fed to promtool as recording rules."""
    rules = {
        "groups": [
            {
                "name": "expressions",
                "rules": [
                    {"record": f"check:expression_{n}", "expr": expression}
                    for n, expression in enumerate(expressions(render(name)))
                ],
            }
        ]
    }
    path = tmp_path / "expressions.yml"
    path.write_text(yaml.safe_dump(rules))
    result = run("promtool", "check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", MONITORED)
def test_grafana_provisioning_and_dashboard_load_as_grafana_expects(name, render):
    project = render(name)
    grafana = monitoring(project) / "grafana"
    sources = yaml.safe_load((grafana / "provisioning/datasources/prometheus.yml").read_text())
    assert sources["apiVersion"] == 1
    [source] = sources["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((grafana / "provisioning/dashboards/dashboards.yml").read_text())
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    # The provider reads the directory the stack mounts the dashboards at.
    stack = (project.path / "docker-compose.prod.yml").read_text()
    assert f"./monitoring/grafana/dashboards:{provider['options']['path']}:ro" in stack

    board = dashboard(project)
    assert board["uid"] and board["title"] and isinstance(board["schemaVersion"], int)
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
        assert panel["targets"] and all(t["refId"] and t["expr"] for t in panel["targets"])
    titles = {panel["title"] for panel in board["panels"]}
    # The playbook's targets, each on the dashboard.
    assert {
        "Traffic",
        "Latency p50 / p95 / p99",
        "Error rate (5xx)",
        "Rate-limited (429)",
        "Database connection pool",
    } <= titles
    assert ("Cache hit rate" in titles) == project.answers["use_redis"]
    assert ("Time since the last verified backup" in titles) == project.answers["use_backups"]
    thresholds = {
        panel["title"]: panel["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"]
        for panel in board["panels"]
        if "thresholds" in panel["fieldConfig"]["defaults"]
    }
    assert thresholds["Latency p50 / p95 / p99"] == 0.5
    assert thresholds["Error rate (5xx)"] == 0.001
    # The task queue: its counts, and the wait TaskQueueStalled pages on.
    assert {"Background task queue", "Oldest task waiting"} <= titles
    rules = yaml.safe_load((monitoring(project) / "prometheus/alerts.yml").read_text())
    [stalled] = [r for g in rules["groups"] for r in g["rules"] if r["alert"] == "TaskQueueStalled"]
    assert stalled["expr"].endswith(f"> {thresholds['Oldest task waiting']}")
    [queue] = [panel for panel in board["panels"] if panel["title"] == "Background task queue"]
    assert [t["legendFormat"] for t in queue["targets"]] == ["waiting", "running", "failed"]
    assert "Log-ins failed and locked out" in titles


def test_metric_names_are_read_from_promql():
    assert metric_names(
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{status=~"5.."}[5m]))) > 0.5'
    ) == {"a_bucket"}
    assert metric_names("time() - max(b_seconds) > 25 * 3600 or absent(b_seconds)") == {"b_seconds"}


REQUESTS = 30


@pytest.mark.parametrize("name", ["defaults"])
def test_prometheus_scrapes_every_worker_and_knows_every_metric_used(
    name, render, postgres, redis_proc, frontend_build, tmp_path
):
    project = render(name)
    database = postgres.create_database("observability")
    env = project.production_env(
        tmp_path / "secrets", database, f"redis://{redis_proc.host}:{redis_proc.port}/0"
    )
    env["DJANGO_TRUSTED_PROXIES"] = "127.0.0.1/32"  # the test speaks as the proxy
    textfiles = tmp_path / "backups" / "metrics"
    textfiles.mkdir(parents=True)
    # What scripts/verify-backup.sh leaves after a verified backup.
    (textfiles / "backup.prom").write_text(
        "# HELP backup_last_verified_timestamp_seconds When the last backup was verified.\n"
        "# TYPE backup_last_verified_timestamp_seconds gauge\n"
        "backup_last_verified_timestamp_seconds 1.7e9\n"
    )
    with ExitStack() as stack:
        backend_port = stack.enter_context(
            gunicorn(project, env, tmp_path / "backend.log", workers=3)
        )
        nginx = Nginx.before(
            project.path,
            backend_port,
            frontend_build.dist,
            tmp_path / "nginx",
            dev_certificate(project.path, tmp_path / "tls"),
        )
        nginx.start()
        stack.callback(nginx.stop)
        targets = start_exporters(
            stack,
            tmp_path,
            postgres_url=database,
            redis_port=redis_proc.port,
            nginx_status_port=nginx.status_port,
            textfile_dir=textfiles,
            edge_logs=(monitoring(project) / "mtail", nginx.edge_log.parent),
            blackbox_config=monitoring(project) / "blackbox/blackbox.yml",
        )
        targets["backend"] = backend_port
        prometheus_port = free_port()
        targets["prometheus"] = prometheus_port
        rendered = monitoring(project) / "prometheus"
        config = loopback_config(
            rendered / "prometheus.yml",
            rendered / "alerts.yml",
            targets,
            tmp_path / "prometheus.yml",
            # The rendered module, against nginx here: the test certificate
            # fails its check, and probe_success says so.
            probes={"blackbox": f"https://127.0.0.1:{nginx.https_port}/"},
        )
        stack.enter_context(
            process(
                [
                    "prometheus",
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                prometheus_port,
                tmp_path / "prometheus.log",
            )
        )
        prometheus = Prometheus(prometheus_port)

        domain = project.answers["domain_name"]
        create_user(project, env, "watcher", "viewer")
        token = issue_token(project, env, "watcher", tmp_path)
        headers = {"X-Forwarded-Proto": "https", "Authorization": f"Token {token}"}
        for _ in range(REQUESTS):
            status, _, _ = request(backend_port, "/api/customers/", host=domain, headers=headers)
            assert status == 200
        assert request(backend_port, "/health/ready/")[0] == 200  # reads the cache
        assert request(nginx.https_port, "/", host=domain, tls=True)[0] == 200

        # Several workers served them, and Prometheus counts every request.
        workers = {
            p.name.rsplit("_", 1)[-1]
            for p in (tmp_path / "prometheus-metrics").glob("counter_*.db")
        }
        assert len(workers) >= 2, workers
        total = 'sum(django_http_requests_total_by_method_total{method="GET"})'
        assert prometheus.wait_until(total, REQUESTS) == REQUESTS
        # A failed log-in, as the page would send it.
        status, _, _ = Client(Entry(backend_port, domain, tls=False), "203.0.113.9").log_in(
            "watcher", "not the password"
        )
        assert status == 400

        # Every target is up, and every metric the dashboard and alerts read exists.
        assert prometheus.wait_until("count(up == 1)", len(targets)) == len(targets)
        # nginx's answer to the page, counted from its access log (which
        # nginx writes in batches, at least every second).
        assert prometheus.wait_until('sum(edge_http_responses_total{status="200"})', 1) == 1
        time.sleep(2)  # one more scrape of every target after the traffic
        used = set().union(*(metric_names(e) for e in expressions(project)))
        missing = used - prometheus.names()
        assert not missing, missing
        assert prometheus.value("sum(django_db_pool_connections)") is not None
        assert prometheus.wait_until("sum(django_login_failures_total)", 1) == 1
        assert prometheus.value('probe_success{job="blackbox"}') == 0
        assert prometheus.value("sum(django_login_lockouts_total)") == 0

    # Every log line the backend wrote during the run is one JSON object.
    for line in (tmp_path / "backend.log").read_text().splitlines():
        json.loads(line)
    for line in nginx.access_log().splitlines():
        json.loads(line)
