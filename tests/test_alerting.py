"""Where alerts go: Alertmanager's rendered configuration, the relay's
settings filled in by its start.sh as the stack runs it (checked by amtool),
and a real Alertmanager mailing an alert to a real SMTP server."""

import json
import subprocess
from contextlib import ExitStack

import pytest
import yaml

from support.http import request, wait_for_port
from support.postgres import free_port
from support.smtp import mail_parts

MONITORED = ["defaults", "all-on", "no-redis", "no-frontend", "no-backups", "renamed"]


def monitoring(project):
    return project.path / "monitoring"


def run(*command) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, check=False)


RELAY = {
    "EMAIL_HOST": "smtp.example.com",
    "EMAIL_PORT": "",
    "EMAIL_HOST_USER": "alerts",
    "ALERT_EMAIL_TO": "ops@example.com",
    "ALERT_EMAIL_FROM": "alerts@example.com",
}


def alertmanager_start(
    project, tmp_path, env: dict, *command, url="https://hooks.example.test/", group_wait=None
):
    """The stack's start.sh, filling the relay into the rendered config, then
    `command`; the config it wrote. Debian's Alertmanager (0.25) predates the
    webhook's url_file: `url` stands in for it."""
    config = yaml.safe_load((monitoring(project) / "alertmanager/alertmanager.yml").read_text())
    if group_wait:
        config["route"]["group_wait"] = group_wait
    [webhook] = config["receivers"][0]["webhook_configs"]
    assert webhook.pop("url_file") == "/run/secrets/alertmanager_webhook_url"
    webhook["url"] = url
    template, written = tmp_path / "alertmanager.template.yml", tmp_path / "alertmanager.yml"
    template.write_text(yaml.safe_dump(config))
    started = subprocess.Popen(
        ["sh", monitoring(project) / "alertmanager/start.sh", *(command or ["true"])],
        env={
            "PATH": "/usr/bin:/bin",
            "ALERTMANAGER_TEMPLATE": str(template),
            "ALERTMANAGER_CONFIG": str(written),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return started, written


@pytest.mark.parametrize(
    ("security", "port", "require_tls"),
    [("starttls", 587, True), ("tls", 465, False), ("none", 25, False)],
)
@pytest.mark.parametrize("name", MONITORED)
def test_alertmanager_accepts_its_config(name, security, port, require_tls, render, tmp_path):
    project = render(name)
    started, written = alertmanager_start(project, tmp_path, {**RELAY, "EMAIL_SECURITY": security})
    output, _ = started.communicate(timeout=30)
    assert started.returncode == 0, output
    [mail] = yaml.safe_load(written.read_text())["receivers"][0]["email_configs"]
    assert mail == {
        "to": "ops@example.com",
        "from": "alerts@example.com",
        "smarthost": f"smtp.example.com:{port}",
        "auth_username": "alerts",
        # The worker's secret: one relay, one password.
        "auth_password_file": "/run/secrets/email_host_password",
        "require_tls": require_tls,
        "send_resolved": True,
    }
    stack = yaml.safe_load((project.path / "docker-compose.prod.yml").read_text())
    assert "email_host_password" in stack["services"]["alertmanager"]["secrets"]
    result = run("amtool", "check-config", written)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "wrong",
    [
        {"ALERT_EMAIL_TO": ""},
        {"EMAIL_HOST": "smtp.example.com/e;reboot"},
        {"ALERT_EMAIL_FROM": "a&b@example.com"},
        {"EMAIL_PORT": "25\nsmarthost"},
        {"EMAIL_SECURITY": "ssl"},
    ],
)
def test_alertmanager_refuses_a_relay_setting_it_cannot_write_safely(wrong, render, tmp_path):
    started, written = alertmanager_start(
        render("defaults"), tmp_path, {**RELAY, "EMAIL_SECURITY": "starttls", **wrong}
    )
    output, _ = started.communicate(timeout=30)
    assert started.returncode != 0
    assert output.startswith(f"alertmanager: {next(iter(wrong))} must be"), output
    assert not written.exists()


def test_alertmanager_mails_an_alert_through_the_relay(render, tmp_path):
    """A real Alertmanager started by start.sh, mailing to the render's mail
    catcher (a real SMTP server); its group_wait cut from 30 s to 1 s."""
    project = render("defaults")
    port = free_port()
    with mail_parts(project) as parts, ExitStack() as stack:
        catcher = parts.mail_catcher.MailCatcher()
        catcher.start()
        stack.callback(catcher.stop)
        started, _ = alertmanager_start(
            project,
            tmp_path,
            {
                **RELAY,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(catcher.port),
                "EMAIL_HOST_USER": "",
                "EMAIL_SECURITY": "none",
            },
            "prometheus-alertmanager",
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            url=f"http://127.0.0.1:{free_port()}/",  # nobody: the mail must not wait on it
            group_wait="1s",
        )
        stack.callback(started.wait, 30)
        stack.callback(started.terminate)
        wait_for_port(port)
        alert = {
            "labels": {"alertname": "TaskQueueStalled", "severity": "page", "job": "backend"},
            "annotations": {"summary": "A background task has waited 20m for a worker"},
        }
        status, _, body = request(
            port,
            "/api/v2/alerts",
            method="POST",
            body=json.dumps([alert]).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 200, body
        [mail] = catcher.wait_for(1, timeout=90)
    assert mail.recipients == ["ops@example.com"]
    assert mail.sender == "alerts@example.com"
    assert "TaskQueueStalled" in mail.message["Subject"]
