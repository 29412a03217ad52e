"""The parts of a render's rehearsal (scripts/rehearsal/) on their own, fast:
what they read from the render, the HTTP client's cookies against a real
server, the process lifecycle. tests/test_rehearsal.py runs them together."""

import importlib
import json
import smtplib
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support.answers import POSTGRES_SETTINGS
from support.postgres import free_port
from support.scripts import imported


@pytest.fixture
def parts(render):
    """The defaults render's rehearsal package, imported as its scripts do."""
    with imported(render("defaults").path, "rehearsal") as package:
        yield package


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_names_come_from_the_answers(render, name):
    project = render(name)
    names = json.loads((project.path / "scripts" / "rehearsal" / "project.json").read_text())
    assert names == {
        "slug": project.answers["project_slug"],
        "django_project": project.answers["django_project"],
        "domain": project.answers["domain_name"],
        "postgres_settings": POSTGRES_SETTINGS,
    }


def test_every_part_is_in_the_render_that_needs_it(render):
    def parts_of(name):
        folder = render(name).path / "scripts" / "rehearsal"
        return {p.stem for p in folder.glob("*.py")}

    # The worker and its mail catcher are in every render: every one sends mail.
    assert {"worker", "mail_catcher", "mail_flows"} <= parts_of("everything-off")
    page = {"edge", "browser", "page_flows", "page_account"}
    optional = {"redis_server", "prometheus", "backups", *page}
    assert optional <= parts_of("defaults")
    assert parts_of("everything-off").isdisjoint(optional)
    assert "redis_server" not in parts_of("no-redis")
    assert page.isdisjoint(parts_of("no-frontend"))


def test_project_paths_point_into_the_render(render, parts):
    project = importlib.import_module("rehearsal.project")
    root = render("defaults").path
    assert root == project.ROOT
    assert (project.BACKEND / "manage.py").is_file()
    assert (project.FRONTEND / "Dockerfile").is_file()
    assert project.DJANGO_PROJECT == "customer_management"
    assert render("defaults").answers["domain_name"] == project.DOMAIN


def test_the_seed_names_cover_a_thousandth_each(parts):
    seeding = importlib.import_module("rehearsal.seeding")
    names = seeding.all_last_names()
    assert len(names) == len(set(names)) == 1024
    # The SQL's formula, replayed: any 1,024 customers in a row carry each
    # name once (an odd multiplier modulo 1,024 is a permutation).
    assert sorted(seeding.last_name(n) for n in range(5000, 6024)) == sorted(names)
    assert seeding.pg_array(("a", "b")) == "{a,b}"


def test_the_edge_reads_the_image_defaults(render, parts):
    edge = importlib.import_module("rehearsal.edge")
    env = edge.image_env()
    answers = render("defaults").answers
    assert env["BACKEND_UPSTREAM"] == "backend:8000"
    assert env["NGINX_AUTH_RATE"] == answers["nginx_auth_rate"]
    assert env["NGINX_ENVSUBST_FILTER"].startswith("^(")
    # A quoted value, spaces and all, without its quotes.
    assert env["NGINX_HSTS"] == "max-age=31536000; includeSubDomains; preload"
    assert edge.Edge(8443, True).site_url == "https://127.0.0.1:8443"
    assert edge.Edge(8443, True).origin == f"https://{answers['domain_name']}"
    assert edge.Edge(8080, False).scheme == "http"


def test_check_reports_and_raises(parts, capsys):
    report = importlib.import_module("rehearsal.report")
    report.check(True, "it held")
    assert capsys.readouterr().out == "    ok: it held\n"
    with pytest.raises(report.RehearsalFailed, match="it did not"):
        report.check(False, "it did not")
    with pytest.raises(report.RehearsalFailed, match="not installed: no-such-program-here"):
        report.require("sh", "no-such-program-here")


class CookieServer(BaseHTTPRequestHandler):
    """Sets and deletes cookies as Django does, and echoes what it was sent."""

    def do_GET(self):
        self.send_response(200 if self.path != "/missing" else 404)
        if self.path == "/login":
            self.send_header(
                "Set-Cookie", "sessionid=abc123; HttpOnly; Path=/; SameSite=Lax; Secure"
            )
            self.send_header("Set-Cookie", "csrftoken=tok; Path=/; SameSite=Lax; Secure")
        if self.path == "/logout":
            self.send_header(
                "Set-Cookie",
                'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
            )
        body = json.dumps(
            {"cookie": self.headers.get("Cookie"), "auth": self.headers.get("Authorization")}
        ).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def cookie_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CookieServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_keeps_cookies_as_a_browser_would(parts, cookie_server):
    http_client = importlib.import_module("rehearsal.http_client")
    client = http_client.Client(cookie_server)
    assert client.get("/").json() == {"cookie": None, "auth": None}
    client.get("/login")
    # Secure cookies still go to the loopback URL that stands in for the proxy.
    assert client.get("/").json()["cookie"] == "sessionid=abc123; csrftoken=tok"
    session = client.set_cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    client.get("/logout")
    assert client.cookies == {"csrftoken": "tok"}
    assert client.get("/missing").status == 404


def test_the_client_sends_a_token_and_bodies_as_json(parts, cookie_server):
    http_client = importlib.import_module("rehearsal.http_client")
    answer = http_client.Client(cookie_server, token="t0ken").post("/", {"a": 1})
    assert answer.status == 200
    assert answer.json()["auth"] == "Token t0ken"
    assert http_client.Answer(200, None, b"not json").json() is None
    assert http_client.Answer(204, None, b"").json() is None


def test_processes_are_stopped_last_first_and_cleaned_up(parts, tmp_path):
    processes = importlib.import_module("rehearsal.processes")
    running = processes.Processes(tmp_path)
    cleaned = []
    running.cleanup.callback(cleaned.append, "done")
    ports = [free_port(), free_port()]
    for number, port in enumerate(ports):
        running.spawn(
            f"server{number}",
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
            port,
        )
    started = [process for _, process in running.running]
    running.stop_all()
    assert all(process.poll() is not None for process in started)
    assert cleaned == ["done"]
    assert running.running == []
    assert (tmp_path / "server0.log").exists()


def test_a_process_without_a_port_is_ready_when_it_says_so(parts, tmp_path):
    processes = importlib.import_module("rehearsal.processes")
    report = importlib.import_module("rehearsal.report")
    running = processes.Processes(tmp_path)
    try:
        talker = "import time; print('up', flush=True); time.sleep(60)"
        process = running.spawn(
            "talker",
            [sys.executable, "-c", talker],
            None,
            ready=lambda: "up" in running.log("talker"),
        )
        assert process.poll() is None
        # One that ends before it is ready fails at once, with its log.
        with pytest.raises(report.RehearsalFailed, match="quitter ended: gone"):
            running.spawn(
                "quitter",
                [sys.executable, "-c", "print('gone')"],
                None,
                ready=lambda: False,
                ready_within=30,
            )
    finally:
        running.stop_all()


def test_the_mail_catcher_keeps_what_it_receives_across_a_restart(parts, tmp_path):
    mail_catcher = importlib.import_module("rehearsal.mail_catcher")
    catcher = mail_catcher.MailCatcher()
    env = catcher.backend_env(tmp_path)
    assert env["EMAIL_PORT"] == str(catcher.port)
    assert (tmp_path / "email_host_password").read_text()
    catcher.start()
    try:
        with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: one\r\n\r\nHello")
        catcher.stop()
        with pytest.raises(OSError):
            smtplib.SMTP("127.0.0.1", catcher.port, timeout=5)
        catcher.start()
        with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
            smtp.sendmail("a@example.com", ["c@example.com"], b"Subject: two\r\n\r\nHello")
        first, second = catcher.wait_for(2, timeout=10)
    finally:
        catcher.stop()
    assert (first.sender, first.recipients, first.message["Subject"]) == (
        "a@example.com",
        ["b@example.com"],
        "one",
    )
    assert second.recipients == ["c@example.com"] and second.message["Subject"] == "two"
    report = importlib.import_module("rehearsal.report")
    with pytest.raises(report.RehearsalFailed, match="3 mail"):
        catcher.wait_for(3, timeout=0.5)


def test_waiting_for_a_port_gives_up_with_its_number(parts):
    processes = importlib.import_module("rehearsal.processes")
    report = importlib.import_module("rehearsal.report")
    port = free_port()
    with pytest.raises(report.RehearsalFailed, match=f"nothing answered on port {port}"):
        processes.wait_for_port(port, timeout=0.5)


def test_the_scripts_show_their_help(render):
    project = render("defaults")
    for script in ("rehearse.py", "benchmark.py"):
        result = subprocess.run(
            [project.venv() / "bin" / "python", f"scripts/{script}", "--help"],
            cwd=project.path,
            env=project.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "--customers" in result.stdout
