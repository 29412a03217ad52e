"""Mail from the background worker, end to end: the password-change API
under production settings (gunicorn, real PostgreSQL as the runtime role),
the worker as a process of its own (manage.py run_worker, as its container
runs it), and a real SMTP server on loopback that the tests read from."""

import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from support.access import HEADLESS, PASSWORD, Client, Entry, manage
from support.backend import gunicorn
from support.postgres import RUNTIME_USER
from support.smtp import SmtpServer

NEW_PASSWORD = "another long passphrase, changed"
CUSTOMER = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@customer.example"}


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_service(render, postgres, redis_url, smtp, tmp_path):
    """The defaults served by gunicorn, mail to the loopback SMTP server, a
    user with an address, and a customer the mail must never mention."""
    project = render("defaults")
    owner_url = postgres.create_database("mail")
    postgres.create_runtime_role(project.path / "database" / "runtime-role.sql")
    release = {"DATABASE_URL": owner_url, "DATABASE_RUNTIME_ROLE": RUNTIME_USER}
    env = project.production_env(tmp_path / "secrets", postgres.runtime_url(owner_url), redis_url)
    password_file = tmp_path / "secrets" / "email_host_password"
    password_file.write_text("relay-password-unused-by-the-test-server\n")
    env.update(
        DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_SECURITY="none",
        EMAIL_HOST_PASSWORD_FILE=str(password_file),
        # Tried again after 1 s, 2 s, 4 s...: a test's patience.
        MAIL_RETRY_SECONDS="1",
        WORKER_HEARTBEAT_FILE=str(tmp_path / "heartbeat"),
    )
    with gunicorn(project, env, tmp_path / "gunicorn.log", release=release) as port:
        manage(
            project,
            env,
            "create_user",
            "grace",
            "--email",
            "grace@staff.example",
            "--group",
            "customer editors",
            extra={"ACCESS_PASSWORD": PASSWORD},
        )
        client = Client(Entry(port, project.answers["domain_name"], tls=False), "203.0.113.9")
        status, _, body = client.log_in("grace")
        assert status == 200, body
        csrf = client.csrf()
        status, _, body = client.send("POST", "/api/customers/", CUSTOMER, csrf=csrf)
        assert status == 201, body
        yield project, env, client, csrf


@contextmanager
def worker(project, env: dict, log_path: Path):
    """The worker's command as docker-compose.prod.yml runs it; stopped with
    SIGTERM, which it must obey at once and cleanly."""
    stack = yaml.safe_load((project.path / "docker-compose.prod.yml").read_text())
    command = stack["services"]["worker"]["command"]
    assert command == ["python", "manage.py", "run_worker"]
    venv_bin = project.venv() / "bin"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [venv_bin / command[0], *command[1:], "--interval", "0.2"],
            cwd=project.backend,
            env=project.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, log_path.read_text()[-3000:]
            assert time.monotonic() - started < 10


def change_password(client: Client, csrf: str) -> None:
    status, _, body = client.send(
        "POST",
        f"{HEADLESS}/account/password/change",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        csrf=csrf,
    )
    assert status == 200, body


def assert_is_the_notice(project, received) -> None:
    sender, recipients, message = received
    domain = project.answers["domain_name"]
    assert sender == f"noreply@{domain}"
    assert recipients == ["grace@staff.example"]
    assert message["Subject"] == f"{project.answers['project_name']}: Password Changed"
    text = message.get_body(("plain",)).get_content()
    # Where the change came from, so the owner can tell it was not them.
    assert "203.0.113.9" in text
    assert f"https://{domain}" in text
    # Nothing about customers, and no password.
    for secret in (*CUSTOMER.values(), PASSWORD, NEW_PASSWORD):
        assert secret not in text
    # The only link is the service's own origin.
    assert {word for word in text.split() if "://" in word} == {f"https://{domain}"}


def test_a_password_change_mails_a_notice_from_the_worker(mail_service, smtp, tmp_path):
    project, env, client, csrf = mail_service
    change_password(client, csrf)
    # Sent by the worker, never by the request: nothing has left yet.
    time.sleep(1)
    assert smtp.messages == []
    with worker(project, env, tmp_path / "worker.log"):
        (received,) = smtp.wait_for(1, timeout=30)
        # The worker's health check: its heartbeat is fresh.
        check = project.run("python", "worker_healthcheck.py", env=env)
        assert check.returncode == 0
    assert_is_the_notice(project, received)
    time.sleep(0.5)
    assert len(smtp.messages) == 1


def test_with_the_mail_server_down_the_notice_arrives_once_it_is_back(mail_service, smtp, tmp_path):
    project, env, client, csrf = mail_service
    smtp.stop()
    # The request does not depend on the mail server.
    change_password(client, csrf)
    log_path = tmp_path / "worker.log"
    with worker(project, env, log_path):
        deadline = time.monotonic() + 30
        while log_path.read_text().count("mail not sent, tried again later") < 2:
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        smtp.start()
        (received,) = smtp.wait_for(1, timeout=60)
        assert_is_the_notice(project, received)
        time.sleep(1)
    # Once, however many tries it took.
    assert len(smtp.messages) == 1
    log = log_path.read_text()
    assert NEW_PASSWORD not in log and PASSWORD not in log
