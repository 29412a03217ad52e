"""Mail through a provider's HTTP API (copier's email_provider, one render
per choice): Django 6.1's MAILERS with django-anymail's backend, under
production settings, the API key read from its secret file, sending to a
stand-in of the provider's API on loopback that records what it got; and
which of the API's answers the worker tries again (worker.mail)."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from support.answers import ANSWER_SETS
from support.projects import Project
from support.template_repo import TEMPLATE

PROVIDERS = [
    choice
    for choice in yaml.safe_load((TEMPLATE / "copier.yml").read_text())["email_provider"]["choices"]
    if choice != "smtp"
]
API_KEY = "provider-key-from-the-secret-file"
# What each provider's API answers a mail it took, and where the key goes.
ACCEPTED = {
    "mailgun": {"id": "<1@example.com>", "message": "Queued. Thank you."},
    "postmark": {"To": "grace@staff.example", "MessageID": "m-1", "ErrorCode": 0, "Message": "OK"},
    "brevo": {"messageId": "<1@example.com>"},
}
KEY_HEADER = {"mailgun": "Authorization", "postmark": "X-Postmark-Server-Token", "brevo": "api-key"}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Mailgun's key is HTTP basic auth's password, for the user "api".
KEY_SENT = {"mailgun": basic("api", API_KEY), "postmark": API_KEY, "brevo": API_KEY}

SEND = """
import json, sys
from django.core.mail import EmailMultiAlternatives
from worker.mail import is_transient
results = []
for _ in range(int(sys.argv[1])):
    message = EmailMultiAlternatives(
        "Notice", "text part", "noreply@customers.example.com", ["grace@staff.example"]
    )
    message.attach_alternative("<p>html part</p>", "text/html")
    try:
        results.append({"sent": message.send()})
    except Exception as error:
        results.append({"error": type(error).__name__, "transient": is_transient(error)})
print(json.dumps(results))
"""


class ProviderApi:
    """A stand-in of the provider's API: answers each request with the next
    status in `statuses` (then 200), keeping the path and headers."""

    def __init__(self, accepted: dict) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.statuses: list[int] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append((self.path, dict(self.headers)))
                status = api.statuses.pop(0) if api.statuses else 200
                body = json.dumps(accepted if status == 200 else {"message": "no"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"


def test_the_choices_are_the_providers_with_a_test():
    assert PROVIDERS and set(PROVIDERS) == set(ACCEPTED) == set(KEY_SENT)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_mail_goes_through_the_providers_api_with_the_key_from_its_secret(
    provider, copie_session, tmp_path
):
    answers = {**ANSWER_SETS["defaults"], "email_provider": provider}
    result = copie_session.copy(extra_answers=answers)
    assert result.exception is None, result.exception
    project = Project(f"provider-{provider}", result.project_dir)
    assert "--extra anymail" in (project.path / "backend" / "Dockerfile").read_text()
    stack = yaml.safe_load((project.path / "docker-compose.prod.yml").read_text())
    worker_env = stack["services"]["worker"]["environment"]
    assert worker_env["EMAIL_API_KEY_FILE"] == "/run/secrets/email_host_password"
    assert "EMAIL_HOST_PASSWORD_FILE" not in worker_env

    api = ProviderApi(ACCEPTED[provider])
    env = project.production_env(tmp_path / "secrets", "postgres://app@db.invalid:5432/app")
    key_file = tmp_path / "secrets" / "email_host_password"
    key_file.write_text(API_KEY + "\n")
    env.update(EMAIL_API_KEY_FILE=str(key_file), EMAIL_API_URL=api.url)
    # Accepted; then 503 and 429 (tried again later), 400 and 401 (never).
    api.statuses = [200, 503, 429, 400, 401]
    run = project.run("python", "-c", SEND, "5", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(run.stdout.splitlines()[-1])
    assert results == [
        {"sent": 1},
        {"error": "AnymailRequestsAPIError", "transient": True},
        {"error": "AnymailRequestsAPIError", "transient": True},
        {"error": "AnymailRequestsAPIError", "transient": False},
        {"error": "AnymailRequestsAPIError", "transient": False},
    ]
    path, headers = api.requests[0]
    assert path.strip("/").split("/")[-1] in ("messages", "email")
    assert headers[KEY_HEADER[provider]] == KEY_SENT[provider]
    # The key is in no output.
    assert API_KEY not in run.stdout + run.stderr


def worker_egress_ports(project) -> list:
    policies = (project.path / "deploy/kubernetes/base/network-policies.yaml").read_text()
    [worker] = [doc for doc in yaml.safe_load_all(policies) if doc["metadata"]["name"] == "worker"]
    return [port["port"] for rule in worker["spec"]["egress"] for port in rule["ports"]]


def test_on_kubernetes_the_worker_may_reach_the_providers_api_only(render, copie_session):
    assert worker_egress_ports(render("kubernetes")) == [587, 465]
    answers = {**ANSWER_SETS["kubernetes"], "email_provider": PROVIDERS[0]}
    result = copie_session.copy(extra_answers=answers)
    assert result.exception is None, result.exception
    project = Project("kubernetes-provider", result.project_dir)
    assert worker_egress_ports(project) == [443]
    worker = yaml.safe_load((project.path / "deploy/kubernetes/base/worker.yaml").read_text())
    [container] = worker["spec"]["template"]["spec"]["containers"]
    assert {"name": "EMAIL_API_KEY_FILE", "value": "/run/secrets/email_host_password"} in (
        container["env"]
    )
