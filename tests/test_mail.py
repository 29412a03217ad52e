"""Mail from the background worker, end to end: the password-change and
password-reset API under production settings (gunicorn, real PostgreSQL as the runtime role),
the worker as a process of its own (manage.py run_worker, as its container
runs it), and a real SMTP server on loopback that the tests read from."""

import re
import signal
import statistics
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
        # Enough reset requests for one address to compare answer times.
        PASSWORD_RESET_LIMITS="100/h/ip,100/h/key",
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


def ask_for_a_reset(client: Client, email: str, address: str) -> tuple[int, bytes, float]:
    browser = Client(client.entry, address)
    csrf = browser.csrf()
    started = time.monotonic()
    status, _, body = browser.send(
        "POST", f"{HEADLESS}/auth/password/request", {"email": email}, csrf=csrf
    )
    return status, body, time.monotonic() - started


def test_a_password_reset_is_mailed_by_the_worker_and_tells_no_one_who_has_an_account(
    mail_service, smtp, tmp_path
):
    project, env, client, _ = mail_service
    domain = project.answers["domain_name"]
    asked = {"grace@staff.example": [], "nobody@staff.example": []}
    for n in range(5):
        for email, answers in asked.items():
            answers.append(ask_for_a_reset(client, email, f"198.51.100.{n}"))
    # The same status and body, in the same time, known address or not.
    assert {(status, body) for answers in asked.values() for status, body, _ in answers} == {
        (200, b'{"status": 200}')
    }
    known, unknown = (statistics.median(t for *_, t in answers) for answers in asked.values())
    assert min(known, unknown) >= 0.3
    assert abs(known - unknown) < 0.05, (known, unknown)
    # Nothing is sent by the request; the worker sends one mail per request
    # for the address with an account, none to the address without.
    time.sleep(1)
    assert smtp.messages == []
    with worker(project, env, tmp_path / "worker.log"):
        received = smtp.wait_for(5, timeout=60)
        time.sleep(1)
    assert len(smtp.messages) == 5
    keys = []
    for _, recipients, message in received:
        assert recipients == ["grace@staff.example"]
        text = message.get_body(("plain",)).get_content()
        (key,) = re.findall(rf"https://{re.escape(domain)}/#/reset/(\S+)", text)
        keys.append(key)
        assert PASSWORD not in text
    # The key sets a new password once; the user then logs in with it.
    reset = Client(client.entry, "203.0.113.30")
    new = {"key": keys[-1], "password": NEW_PASSWORD}
    status, _, body = reset.send("POST", f"{HEADLESS}/auth/password/reset", new, csrf=reset.csrf())
    assert status == 401, body  # done; now log in
    assert Client(client.entry, "203.0.113.31").log_in("grace", NEW_PASSWORD)[0] == 200
    for key in (keys[-1], keys[0]):  # used, and void since the password changed
        again = {"key": key, "password": "yet another long passphrase"}
        path = f"{HEADLESS}/auth/password/reset"
        assert reset.send("POST", path, again, csrf=reset.csrf())[0] == 400
    log = (tmp_path / "worker.log").read_text()
    assert not any(key in log for key in keys)
