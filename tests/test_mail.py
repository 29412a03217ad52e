"""Mail from the background worker, end to end: the password-change and
password-reset API and invitations under production settings (gunicorn,
real PostgreSQL as the runtime role), the worker as a process of its own
(manage.py run_worker, as its container runs it), and a real SMTP server on
loopback that the tests read from."""

import json
import re
import statistics
import time

import pytest
import yaml

from support.access import HEADLESS, PASSWORD, Client, Entry, manage
from support.backend import gunicorn
from support.postgres import RUNTIME_USER
from support.smtp import running_worker

NEW_PASSWORD = "another long passphrase, changed"
CUSTOMER = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@customer.example"}


@pytest.fixture
def mail_service(render, postgres, redis_url, smtp, tmp_path):
    """The defaults served by gunicorn, mail to the loopback SMTP server, a
    user with an address, and a customer the mail must never mention."""
    project = render("defaults")
    owner_url = postgres.create_database("mail")
    postgres.create_runtime_role(project.path / "database" / "runtime-role.sql")
    release = {"DATABASE_URL": owner_url, "DATABASE_RUNTIME_ROLE": RUNTIME_USER}
    env = project.production_env(tmp_path / "secrets", postgres.runtime_url(owner_url), redis_url)
    env.update(
        smtp.backend_env(tmp_path / "secrets"),
        DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
        # Tried again after 1 s, 2 s, 4 s...: a test's patience.
        MAIL_RETRY_SECONDS="1",
        # Enough reset requests for one address to compare answer times.
        PASSWORD_RESET_LIMITS="100/h/ip,100/h/key",
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


def test_the_worker_runs_the_stacks_command(render):
    stack = yaml.safe_load((render("defaults").path / "docker-compose.prod.yml").read_text())
    assert stack["services"]["worker"]["command"] == ["python", "manage.py", "run_worker"]


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


def test_a_password_change_mails_a_notice_from_the_worker(
    mail_service, mail_modules, smtp, tmp_path
):
    project, env, client, csrf = mail_service
    change_password(client, csrf)
    # Sent by the worker, never by the request: nothing has left yet.
    time.sleep(1)
    assert smtp.mails() == []
    with running_worker(mail_modules, project, env, tmp_path) as worker:
        (received,) = smtp.wait_for(1, timeout=30)
        # The stack's health check: its heartbeat is fresh.
        assert worker.healthy()
    assert_is_the_notice(project, received)
    time.sleep(0.5)
    assert len(smtp.mails()) == 1


def test_with_the_mail_server_down_the_notice_arrives_once_it_is_back(
    mail_service, mail_modules, smtp, tmp_path
):
    project, env, client, csrf = mail_service
    smtp.stop()
    # The request does not depend on the mail server.
    change_password(client, csrf)
    log_path = tmp_path / "worker.log"
    with running_worker(mail_modules, project, env, tmp_path) as worker:
        worker.wait_for_log("mail not sent, tried again later", count=2, timeout=30)
        smtp.start()
        (received,) = smtp.wait_for(1, timeout=60)
        assert_is_the_notice(project, received)
        time.sleep(1)
    # Once, however many tries it took.
    assert len(smtp.mails()) == 1
    log = log_path.read_text()
    assert NEW_PASSWORD not in log and PASSWORD not in log


TASK_ROWS = "from django_tasks_db.models import DBTaskResult as R; "


def test_the_worker_prunes_old_finished_task_rows_when_it_starts(
    mail_service, mail_modules, smtp, tmp_path
):
    """Its pruning (worker.pruning) as deployed: at start, then every
    TASK_PRUNE_HOURS; rows still to run stay."""
    project, env, client, csrf = mail_service
    change_password(client, csrf)
    with running_worker(mail_modules, project, env, tmp_path / "first"):
        smtp.wait_for(1, timeout=30)
    # The sent notice's row, as it will be 15 days on; and a mail still to send.
    manage(
        project,
        env,
        "shell",
        "--no-imports",
        "-c",
        TASK_ROWS + "from django.utils import timezone; from datetime import timedelta; "
        "R.objects.update(finished_at=timezone.now() - timedelta(days=15))",
    )
    status, _, body = client.send(
        "POST",
        f"{HEADLESS}/account/password/change",
        {"current_password": NEW_PASSWORD, "new_password": PASSWORD},
        csrf=csrf,
    )
    assert status == 200, body
    count = TASK_ROWS + "print(R.objects.filter(status=%r).count())"
    assert manage(project, env, "shell", "--no-imports", "-c", count % "SUCCESSFUL").strip() == "1"
    with running_worker(mail_modules, project, env, tmp_path / "second") as worker:
        worker.wait_for_log("Deleted 1 task result(s)", timeout=30)
        smtp.wait_for(2, timeout=30)
    # The new notice's row (finished now) is kept.
    assert manage(project, env, "shell", "--no-imports", "-c", count % "SUCCESSFUL").strip() == "1"


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_an_invitation_arrives_by_mail_and_its_key_makes_an_account(
    mail_service, mail_modules, smtp, tmp_path
):
    """A manager invites, the worker mails the link, and the invitee accepts
    it with the key from the mail, once, and logs in with the role."""
    project, env, client, _ = mail_service
    # Managers invite; production asks them for a second factor first.
    manage(
        project,
        env,
        "create_user",
        "mona",
        "--email",
        "mona@staff.example",
        "--group",
        "customer managers",
        extra={"ACCESS_PASSWORD": PASSWORD},
    )
    manager = Client(client.entry, "203.0.113.10")
    status, _, body = manager.log_in("mona")
    assert status == 200, body
    manager.add_second_factor()
    invited = {"email": "Lin@Staff.Example", "role": "customer editors"}
    status, _, body = manager.send(
        "POST", "/api/accounts/invitations/", invited, csrf=manager.csrf()
    )
    assert status == 201, body
    with running_worker(mail_modules, project, env, tmp_path / "first"):
        # The manager's notice of the new app, and the invitation.
        received = smtp.wait_for(2, timeout=30)
    (message,) = [mail.message for mail in received if mail.recipients == ["lin@staff.example"]]
    assert message["Subject"] == f"{project.answers['project_name']}: you are invited"
    origin = f"https://{project.answers['domain_name']}"
    text, html = bodies(message)
    (key,) = re.findall(re.escape(f"{origin}/#/invite/") + r"([A-Za-z0-9_-]{43})\b", text)
    assert f'href="{origin}/#/invite/{key}"' in html
    assert "mona" in text and "customer editors" in text

    invitee = Client(client.entry, "203.0.113.20")
    status, _, body = invitee.send("GET", "/api/auth/csrf/")
    token = json.loads(body)["csrfToken"]
    status, _, body = invitee.send("POST", "/api/auth/invitation/check/", {"key": key}, csrf=token)
    assert (status, json.loads(body)) == (
        200,
        {"email": "lin@staff.example", "role": "customer editors"},
    )
    account = {"key": key, "username": "lin", "password": NEW_PASSWORD}
    status, _, body = invitee.send("POST", "/api/auth/invitation/accept/", account, csrf=token)
    assert status == 201, body
    status, _, body = invitee.send("POST", "/api/auth/invitation/accept/", account, csrf=token)
    assert status == 400, body

    status, _, body = invitee.log_in("lin", NEW_PASSWORD)
    assert status == 200, body
    status, _, body = invitee.send("GET", "/api/auth/me/")
    assert status == 200, body
    assert json.loads(body)["groups"] == ["customer editors"]

    # The inviter hears who accepted.
    with running_worker(mail_modules, project, env, tmp_path / "second"):
        (*_, (_, recipients, notice)) = smtp.wait_for(3, timeout=30)
    assert recipients == ["mona@staff.example"]
    assert "lin" in bodies(notice)[0]
    # The key was in the mail, and in no log.
    for path in tmp_path.rglob("*.log"):
        assert key not in path.read_text(), path.name


def ask_for_a_reset(client: Client, email: str, address: str) -> tuple[int, bytes, float]:
    browser = Client(client.entry, address)
    csrf = browser.csrf()
    started = time.monotonic()
    status, _, body = browser.send(
        "POST", f"{HEADLESS}/auth/password/request", {"email": email}, csrf=csrf
    )
    return status, body, time.monotonic() - started


def test_a_password_reset_is_mailed_by_the_worker_and_tells_no_one_who_has_an_account(
    mail_service, mail_modules, smtp, tmp_path
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
    assert smtp.mails() == []
    with running_worker(mail_modules, project, env, tmp_path):
        received = smtp.wait_for(5, timeout=60)
        time.sleep(1)
    assert len(smtp.mails()) == 5
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
    for path in tmp_path.rglob("*.log"):
        assert not any(key in path.read_text() for key in keys), path.name
