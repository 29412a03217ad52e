"""Mail when its parts fail, under the backend as deployed (gunicorn,
production settings, PostgreSQL as the runtime role), the worker as its
container runs it and a real SMTP server on loopback (the render's own
rehearsal parts), with a real Prometheus evaluating the rendered alert
rules against the backend's metrics:

- the worker frozen (SIGSTOP): the queue grows, TaskQueueStalled fires,
  and once it runs again every queued mail arrives, none lost or doubled;
- the mail server down past the last try: the requests still succeed, the
  mail is tried again, then recorded as failed, and TasksFailing fires.

test_mail.py has the mail server down for a while (the mail arrives late).
"""

import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import yaml

from support.access import HEADLESS, PASSWORD, Client, Entry, manage
from support.backend import gunicorn
from support.monitoring import Prometheus, loopback_config, process
from support.postgres import RUNTIME_USER, free_port
from support.smtp import running_worker

# Its waits are times: it runs after the parallel part of the suite, alone.
pytestmark = pytest.mark.alone

# The stalled-queue rule, with its times divided by 100 (600 s waited for
# 5 min becomes 6 s for 3 s): nobody waits 15 minutes in a test. The rule's
# real times are tested by promtool (test_observability's alert tests).
STALLED = ("> 600", "> 6", "5m", "3s")


@dataclass
class MailService:
    project: object
    env: dict
    client: Client
    csrf: str
    prometheus: Prometheus
    password: str = PASSWORD

    def change_password(self) -> None:
        """A password change, which queues a notice to its owner."""
        new = f"{self.password} again"
        status, _, body = self.client.send(
            "POST",
            f"{HEADLESS}/account/password/change",
            {"current_password": self.password, "new_password": new},
            csrf=self.csrf,
        )
        assert status == 200, body
        self.password = new

    def firing(self, alert: str) -> bool:
        return bool(self.prometheus.query(f'ALERTS{{alertname="{alert}",alertstate="firing"}}'))

    def wait_until_firing(self, alert: str, timeout: float = 60) -> float:
        started = time.monotonic()
        while not self.firing(alert):
            assert time.monotonic() - started < timeout, f"{alert} never fired"
            time.sleep(0.5)
        return time.monotonic() - started


def alert_rules(project, out):
    """The rendered rules, TaskQueueStalled's times scaled down (STALLED)."""
    rules = yaml.safe_load((project.path / "monitoring/prometheus/alerts.yml").read_text())
    every = [rule for group in rules["groups"] for rule in group["rules"]]
    [stalled] = [rule for rule in every if rule.get("alert") == "TaskQueueStalled"]
    threshold, scaled, period, scaled_period = STALLED
    assert threshold in stalled["expr"] and stalled["for"] == period, stalled
    stalled["expr"] = stalled["expr"].replace(threshold, scaled)
    stalled["for"] = scaled_period
    out.write_text(yaml.safe_dump(rules))
    return out


def heartbeat_fresh(mail_modules, worker, within: float) -> bool:
    """The stack's health check, its heartbeat limit `within` seconds."""
    env = {**worker.env, "WORKER_HEARTBEAT_MAX_AGE": str(within)}
    check = subprocess.run(
        worker.healthcheck, cwd=mail_modules.worker.BACKEND, env=env, check=False
    )
    return check.returncode == 0


@pytest.fixture
def mail_service(render, postgres, redis_url, smtp, tmp_path):
    project = render("defaults")
    owner_url = postgres.create_database("mail_faults")
    postgres.create_runtime_role(project.path / "database" / "runtime-role.sql")
    release = {"DATABASE_URL": owner_url, "DATABASE_RUNTIME_ROLE": RUNTIME_USER}
    env = project.production_env(tmp_path / "secrets", postgres.runtime_url(owner_url), redis_url)
    env.update(
        smtp.backend_env(tmp_path / "secrets"),
        DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
        MAIL_RETRY_SECONDS="1",
    )
    with ExitStack() as stack:
        port = stack.enter_context(
            gunicorn(project, env, tmp_path / "gunicorn.log", release=release)
        )
        prometheus_port = free_port()
        rendered = project.path / "monitoring" / "prometheus"
        config = loopback_config(
            rendered / "prometheus.yml",
            alert_rules(project, tmp_path / "alerts.yml"),
            {"backend": port},
            tmp_path / "prometheus.yml",
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
        manage(
            project,
            env,
            "create_user",
            "grace",
            "--email",
            "grace@staff.example",
            "--group",
            # Not a manager: production would ask a manager for a second factor first.
            "customer editors",
            extra={"ACCESS_PASSWORD": PASSWORD},
        )
        client = Client(Entry(port, project.answers["domain_name"], tls=False), "203.0.113.9")
        status, _, body = client.log_in("grace")
        assert status == 200, body
        prometheus = Prometheus(prometheus_port)
        assert prometheus.wait_until('count(up{job="backend"} == 1)', 1) == 1
        yield MailService(project, env, client, client.csrf(), prometheus)


QUEUED = 5


def test_a_frozen_worker_stalls_the_queue_and_every_mail_arrives_once_it_runs(
    mail_service, mail_modules, smtp, tmp_path
):
    service = mail_service
    with running_worker(mail_modules, service.project, service.env, tmp_path / "worker") as worker:
        assert heartbeat_fresh(mail_modules, worker, within=2)
        worker.pause()
        for _ in range(QUEUED):
            service.change_password()
        ready = service.prometheus.wait_until('max(django_tasks{status="READY"})', QUEUED)
        assert ready == QUEUED
        took = service.wait_until_firing("TaskQueueStalled")
        print(f"TaskQueueStalled fired {took:.1f} s after the mails were queued (scaled rule)")
        assert smtp.mails() == []
        # Frozen, its heartbeat ages: the health check fails (its limit cut
        # from two minutes to 2 s), and the orchestrator would restart it.
        assert not heartbeat_fresh(mail_modules, worker, within=2)

        worker.resume()
        smtp.wait_for(QUEUED, timeout=60)
        assert service.prometheus.wait_until('max(django_tasks{status="READY"})', 0) == 0
        assert service.prometheus.wait_until('max(django_tasks{status="SUCCESSFUL"})', QUEUED)
        # Once the queue is empty the alert ends.
        deadline = time.monotonic() + 30
        while service.firing("TaskQueueStalled"):
            assert time.monotonic() < deadline, "TaskQueueStalled still firing"
            time.sleep(0.5)
        time.sleep(2)  # two more passes of the worker's loop
    # Every one, once.
    mails = smtp.mails()
    assert len(mails) == QUEUED
    assert all(mail.recipients == ["grace@staff.example"] for mail in mails)
    assert not service.firing("TasksFailing")


def test_with_the_mail_server_gone_the_request_succeeds_and_the_failure_alerts(
    mail_service, mail_modules, smtp, tmp_path
):
    service = mail_service
    smtp.stop()
    # Two tries in all: the first fails and is queued again, the second is the last.
    service.env["MAIL_ATTEMPTS"] = "2"
    assert service.prometheus.wait_until('max(django_tasks{status="FAILED"})', 0) == 0
    started = time.monotonic()
    service.change_password()
    assert time.monotonic() - started < 5  # no wait on the mail server
    with running_worker(mail_modules, service.project, service.env, tmp_path / "worker") as worker:
        worker.wait_for_log("mail not sent, tried again later", timeout=30)
        assert service.prometheus.wait_until('max(django_tasks{status="FAILED"})', 1) == 1
        service.wait_until_firing("TasksFailing")
        # The queue holds nothing more: it is not stalled, it failed.
        assert service.prometheus.wait_until('max(django_tasks{status="READY"})', 0) == 0
        assert not service.firing("TaskQueueStalled")
        failures = [line for line in worker.log_lines() if line["level"] == "ERROR"]
    assert failures, worker.log()[-3000:]
    # The password is nowhere in what the worker logged.
    assert PASSWORD not in worker.log() and service.password not in worker.log()
