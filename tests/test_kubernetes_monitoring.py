"""The cluster's alert rules are the compose stack's, and every alert's
metric has a source there."""

import shutil

import pytest
import yaml

from support.kubernetes import find, one, run


@pytest.mark.parametrize("name", ["kubernetes", "kubernetes-tls-at-nginx"])
def test_the_prometheus_rule_is_the_compose_alert_rules(name, deployed, tmp_path):
    project, copy, objects = deployed(name)
    alerts = project.path / "monitoring/prometheus/alerts.yml"
    for built in objects.values():
        rule = one(built, "PrometheusRule", "alerts")
        assert rule["spec"] == yaml.safe_load(alerts.read_text())
    # promtool's unit tests still pass on the rules as the PrometheusRule has them.
    prometheus = tmp_path / "prometheus"
    shutil.copytree(project.path / "monitoring/prometheus", prometheus)
    (prometheus / "alerts.yml").write_text(
        yaml.safe_dump(one(objects["production"], "PrometheusRule", "alerts")["spec"])
    )
    tested = run("promtool", "test", "rules", "tests/alerts.test.yml", cwd=prometheus)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # The rendered CI's check, run as written: equal now, and not after an edit.
    workflow = yaml.safe_load((project.path / ".github/workflows/ci.yml").read_text())
    [step] = [s for s in workflow["jobs"]["kubernetes"]["steps"] if "diff" in s.get("run", "")]
    assert run("bash", "-o", "pipefail", "-c", step["run"], cwd=copy).returncode == 0
    edited = copy / "monitoring/prometheus/alerts.yml"
    edited.write_text(edited.read_text().replace("for: 10m", "for: 15m", 1))
    assert run("bash", "-o", "pipefail", "-c", step["run"], cwd=copy).returncode == 1


def rules(objects: list[dict], field: str) -> dict[str, dict]:
    """The alerting (field="alert") or recording ("record") rules of every
    PrometheusRule, by name."""
    return {
        rule[field]: rule
        for document in find(objects, "PrometheusRule")
        for group in document["spec"]["groups"]
        for rule in group["rules"]
        if field in rule
    }


@pytest.mark.parametrize("name", ["kubernetes", "kubernetes-tls-at-nginx"])
def test_the_stale_backup_alert_is_there_only_where_backups_feed_it(name, deployed):
    """CloudNativePG's backups feed BackupNotVerified's metric through a
    recording rule; a managed database's backups are its provider's, and an
    alert there could only ever fire."""
    project, _, objects = deployed(name)
    fed = (
        project.answers["use_backups"]
        and project.answers.get("kubernetes_database", "cloudnativepg") == "cloudnativepg"
    )
    assert project.answers["use_backups"] and project.answers["use_monitoring"]
    for built in objects.values():
        alerting, recording = rules(built, "alert"), rules(built, "record")
        assert ("BackupNotVerified" in alerting) == fed
        if fed:
            assert "backup_last_verified_timestamp_seconds" in alerting["BackupNotVerified"]["expr"]
            source = recording["backup_last_verified_timestamp_seconds"]["expr"]
            # The Barman Cloud plugin's metric (its documentation, "Observability").
            assert "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp" in source
        else:
            assert "backup_last_verified_timestamp_seconds" not in recording
    dashboard = (project.path / "monitoring/grafana/dashboards/service.json").read_text()
    assert ("backup_last_verified_timestamp_seconds" in dashboard) == fed
