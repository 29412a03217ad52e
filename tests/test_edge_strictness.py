"""The edge refuses what it does not serve: other host names, requests
larger than it allows (with its own answer, not the backend's), weak TLS;
and it lets no cache keep customer data. Real nginx in front of gunicorn,
as in test_edge.py, whose fixtures these tests share."""

# ruff: noqa: F811 (the tests' "edge" parameter is the imported fixture)

import http.client
import json
import subprocess
import sys
from pathlib import Path

import pytest

# test_edge's "edge" fixture, shared: the tests name it as a parameter.
from test_edge import LOAD_BALANCER, edge, nginx_for  # noqa: F401

from support.http import request

BIN = Path(sys.executable).parent
EVERYTHING = {"NGINX_API_RATE": "1000r/s", "NGINX_API_BURST": "1000"}


def refused(call) -> bool:
    """Whether nginx closed the connection without an answer (its 444)."""
    try:
        call()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return True
    return False


@pytest.mark.parametrize("edge", [("defaults", EVERYTHING, {})], indirect=True)
def test_only_the_services_own_host_name_is_answered(edge):
    assert edge.get("/")[0] == 200
    assert edge.get("/api/customers/")[0] == 200
    for host in ("evil.example", "127.0.0.1", f"x.{edge.project.answers['domain_name']}"):
        assert refused(lambda host=host: edge.get("/", host=host)), host
        assert refused(lambda host=host: edge.get("/api/customers/", host=host)), host
    statuses = [json.loads(line)["status"] for line in edge.nginx.access_log().splitlines()]
    assert statuses.count(444) == 6
    # No host name at all is a request nginx refuses by itself.
    assert edge.get("/", host="")[0] == 400
    # The container's health check still answers on plain HTTP.
    assert request(edge.nginx.http_port, "/healthz", host="127.0.0.1")[0] == 200


@pytest.mark.parametrize("edge", [("all-on", EVERYTHING, {})], indirect=True)
def test_behind_a_load_balancer_too(edge):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.30"}
    assert edge.get("/api/customers/", client=LOAD_BALANCER, headers=https)[0] == 200
    assert refused(
        lambda: edge.get(
            "/api/customers/", client=LOAD_BALANCER, headers=https, host="evil.example"
        )
    )
    assert edge.get("/healthz", host="127.0.0.1")[0] == 200


@pytest.mark.parametrize("edge", [("defaults", EVERYTHING, {})], indirect=True)
def test_no_cache_keeps_an_api_answer_and_both_layers_send_one_hsts_policy(edge):
    created = edge.post(
        "/api/customers/", {"first_name": "A", "last_name": "B", "email": "nostore@example.com"}
    )
    api = {
        "list": edge.get("/api/customers/"),
        "create": created,
        "detail": edge.get(f"/api/customers/{json.loads(created[2])['id']}/"),
        "invalid": edge.post("/api/customers/", {"email": "nope"}),
        "missing": edge.get("/api/customers/999999/"),
    }
    assert [answer[0] for answer in api.values()] == [200, 201, 200, 400, 404]
    for label, (_, headers, _) in api.items():
        assert headers["Cache-Control"] == "no-store", label
    page = edge.get("/")
    assert page[1]["Cache-Control"] == "no-cache"
    # Django's header (the API) and nginx's (the page) are the same policy.
    assert page[1]["Strict-Transport-Security"] == api["list"][1]["Strict-Transport-Security"]
    assert "preload" in page[1]["Strict-Transport-Security"]


@pytest.mark.parametrize("edge", [("defaults", EVERYTHING, {})], indirect=True)
def test_a_request_too_large_is_refused_by_nginx_not_by_the_backend(edge):
    long_query = "/api/customers/?search=" + "a" * 5000
    status, headers, body = edge.get(long_query)
    assert status == 414
    assert b"<center>nginx</center>" in body
    status, _, body = edge.get("/api/customers/", headers={"X-Padding": "b" * 5000})
    assert status == 400
    assert b"Request Header Or Cookie Too Large" in body
    # Just under nginx's limits: it reaches Django (a JSON answer, not gunicorn's).
    status, headers, _ = edge.get("/api/customers/?search=" + "a" * 3900)
    assert status == 400  # the search is at most 100 characters
    assert headers["Content-Type"] == "application/json"
    status, headers, _ = edge.get("/api/customers/", headers={"X-Padding": "b" * 3900})
    assert status == 200


def ca_and_certificate(directory: Path, domain: str) -> tuple[Path, dict[str, str]]:
    """A test CA, and a certificate from it for the domain (its SAN), as a
    deployment gets from its certificate authority."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, certificate, extensions = (
        directory / name
        for name in ("ca.key", "ca.pem", "tls.key", "tls.csr", "tls.pem", "leaf.cnf")
    )
    extensions.write_text(
        f"subjectAltName=DNS:{domain}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    for command in (
        f"req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=Test-CA -keyout {ca_key} "
        f"-out {ca} -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign",
        f"req -newkey rsa:2048 -nodes -subj /CN={domain} -keyout {key} -out {csr}",
        f"x509 -req -in {csr} -CA {ca} -CAkey {ca_key} -CAcreateserial -days 30 -sha256 "
        f"-extfile {extensions} -out {certificate}",
    ):
        subprocess.run(["openssl", *command.split()], check=True, capture_output=True)
    return ca, {"TLS_CERTIFICATE": str(certificate), "TLS_PRIVATE_KEY": str(key)}


def test_tls_passes_sslyzes_mozilla_intermediate_check(render, frontend_build, tmp_path):
    project = render("defaults")
    frontend_build.require_build()
    domain = project.answers["domain_name"]
    ca, pair = ca_and_certificate(tmp_path / "pki", domain)
    nginx = nginx_for(project, tmp_path, frontend_build.dist, BACKEND_UPSTREAM="127.0.0.1:9")
    nginx.env.update(pair)
    nginx.start()
    try:
        result = subprocess.run(
            [
                BIN / "python",
                "-m",
                "sslyze",
                "--mozilla_config",
                "intermediate",
                "--certinfo_ca_file",
                ca,
                f"{domain}:{nginx.https_port}{{127.0.0.1}}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        nginx.stop()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{domain}:{nginx.https_port}: OK - Compliant." in result.stdout, result.stdout[-4000:]


def test_staging_drops_preload_from_nginx_as_from_django(render, frontend_build, tmp_path):
    """.env.example's staging value, as Django's staging settings have it."""
    project = render("defaults")
    frontend_build.require_build()
    staging = "max-age=31536000; includeSubDomains"
    nginx = nginx_for(
        project, tmp_path, frontend_build.dist, BACKEND_UPSTREAM="127.0.0.1:9", NGINX_HSTS=staging
    )
    nginx.start()
    try:
        _, headers, _ = request(
            nginx.https_port, "/", host=project.answers["domain_name"], tls=True
        )
    finally:
        nginx.stop()
    assert headers["Strict-Transport-Security"] == staging
