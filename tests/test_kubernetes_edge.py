"""deploy_target=kubernetes, the public entry: an HTTPRoute on the cluster's
shared Gateway (Gateway API), checked against the Gateway the render asks
the cluster for (deploy/kubernetes/gateway.yaml), Django's URLconf, the
NetworkPolicies, and, where nginx terminates TLS, the rendered nginx itself
behind the BackendTLSPolicy's check. The fixtures are in conftest.py."""

import http.client
import shutil
import socket
import ssl
from pathlib import Path

import pytest

from support.kubernetes import (
    KUBERNETES,
    OVERLAYS,
    build,
    cluster_objects,
    find,
    generated,
    one,
)
from support.nginx import Nginx
from support.postgres import free_port


def django_public_paths(project) -> list[str]:
    """The backend's URL prefixes and STATIC_URL, as Django resolves them."""
    code = (
        "from django.conf import settings; from django.urls import get_resolver; "
        "print(*('/' + str(p.pattern) for p in get_resolver().url_patterns), settings.STATIC_URL)"
    )
    settings = f"{project.django_project}.settings.test"
    printed = project.run(
        "python", "manage.py", "shell", "--no-imports", "--settings", settings, "-c", code
    )
    assert printed.returncode == 0, printed.stderr
    return printed.stdout.split()


def service_port(objects: list[dict], service: str, port: int) -> dict:
    [found] = [p for p in one(objects, "Service", service)["spec"]["ports"] if p["port"] == port]
    return found


@pytest.mark.parametrize("name", KUBERNETES)
def test_the_route_serves_the_public_paths_on_the_gateway_the_cluster_is_asked_for(name, deployed):
    project, copy, objects = deployed(name)
    slug = project.answers["project_slug"]
    frontend = project.answers["use_frontend"]
    tls = frontend and project.answers["tls_termination"] == "nginx"
    cluster = cluster_objects(project)
    # The labels of the Gateway's namespace, the one Kubernetes sets with them.
    gateway_labels = {
        **one(cluster, "Namespace", "gateway")["metadata"]["labels"],
        "kubernetes.io/metadata.name": "gateway",
    }
    [gateway] = find(cluster, "Gateway")
    # cert-manager issues the listeners' certificates from the runbook's ClusterIssuer.
    assert gateway["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    # Port 80 serves only its own namespace's redirect (and cert-manager's challenges).
    assert listeners["http"]["allowedRoutes"]["namespaces"] == {"from": "Same"}
    [redirect] = find(cluster, "HTTPRoute")
    assert redirect["spec"]["parentRefs"] == [{"name": "public", "sectionName": "http"}]
    assert redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"
    for overlay, built in objects.items():
        namespace = one(built, "Namespace", f"{slug}{'-staging' if overlay == 'staging' else ''}")
        namespace_name = namespace["metadata"]["name"]
        config = generated(built, "ConfigMap", "backend-config")["data"]
        host = config["DJANGO_ALLOWED_HOSTS"]
        # The links in this environment's mails lead to its own host.
        assert config["PUBLIC_ORIGIN"] == f"https://{host}", overlay
        route = one(built, "HTTPRoute", slug)
        assert route["spec"]["hostnames"] == [host], overlay
        # Attached to this environment's HTTPS listener of the Gateway asked for, nothing else.
        [parent] = route["spec"]["parentRefs"]
        assert (parent["namespace"], parent["name"]) == (
            gateway["metadata"]["namespace"],
            gateway["metadata"]["name"],
        )
        listener = listeners[parent["sectionName"]]
        assert (listener["protocol"], listener["port"], listener["hostname"]) == (
            "HTTPS",
            443,
            host,
        )
        assert listener["tls"]["mode"] == "Terminate" and listener["tls"]["certificateRefs"]
        # Only routes from this namespace may take the host name.
        selector = listener["allowedRoutes"]["namespaces"]["selector"]["matchLabels"]
        assert selector == {"kubernetes.io/metadata.name": namespace_name}
        # The paths: everything to nginx, or the backend's public URLs only.
        [rule] = route["spec"]["rules"]
        [backend_ref] = rule["backendRefs"]
        paths = [(m["path"]["type"], m["path"]["value"]) for m in rule["matches"]]
        if frontend:
            assert paths == [("PathPrefix", "/")]
            assert backend_ref["name"] == "frontend"
        else:
            # Every URL prefix Django serves is routed (/api/auth/ under /api/),
            # and nothing is routed that Django does not serve.
            routed, public = [value for _, value in paths], django_public_paths(project)
            assert {kind for kind, _ in paths} == {"PathPrefix"}
            assert set(routed) <= set(public), (routed, public)
            assert [p for p in public if not p.startswith(tuple(routed))] == [], (routed, public)
            assert backend_ref["name"] == "backend"
        port = service_port(built, backend_ref["name"], backend_ref["port"])
        assert port["name"] == ("https" if tls else "http")
        # The NetworkPolicy lets the Gateway's proxies, by their namespace's
        # label, reach that port, and nothing else of the namespace's.
        policy = one(built, "NetworkPolicy", backend_ref["name"])
        allowed = [
            rule_["ports"]
            for rule_ in policy["spec"]["ingress"]
            for peer in rule_["from"]
            if "podSelector" not in peer
            and peer["namespaceSelector"]["matchLabels"].items() <= gateway_labels.items()
        ]
        assert allowed == [[{"port": port["targetPort"]}]], overlay
        policies = find(built, "BackendTLSPolicy")
        if not tls:
            assert policies == []
            continue
        # nginx's certificate is the one the Gateway checks, for the name it checks.
        [policy] = policies
        assert policy["spec"]["targetRefs"] == [
            {"group": "", "kind": "Service", "name": "frontend", "sectionName": port["name"]}
        ]
        [ca_ref] = policy["spec"]["validation"]["caCertificateRefs"]
        assert (ca_ref["group"], ca_ref["kind"]) == ("", "ConfigMap")
        certificate = (copy / "deploy/kubernetes" / overlay / "secrets/tls_certificate").read_text()
        assert one(built, "ConfigMap", ca_ref["name"])["data"] == {"ca.crt": certificate}


def test_the_gateway_can_check_nginxs_certificate(deployed, tmp_path):
    """The BackendTLSPolicy's check, as a TLS client makes it, against the
    rendered nginx with the certificate and settings the overlay gives it."""
    project, copy, objects = deployed("kubernetes-tls-at-nginx")
    built = objects["production"]
    validation = one(built, "BackendTLSPolicy", "frontend")["spec"]["validation"]
    ca = tmp_path / "ca.crt"
    ca.write_text(one(built, "ConfigMap", "frontend-ca")["data"]["ca.crt"])
    secrets = copy / "deploy/kubernetes/production/secrets"
    settings = generated(built, "ConfigMap", "frontend-config")["data"]
    (tmp_path / "html").mkdir()
    (tmp_path / "html/index.html").write_text("<!doctype html><title>the page</title>\n")
    nginx = Nginx(
        frontend=project.path / "frontend",
        directory=tmp_path / "nginx",
        html=tmp_path / "html",
        # No backend Service to resolve here: a closed port stands in for it.
        env={
            **settings,
            "BACKEND_UPSTREAM": "127.0.0.1:9",
            "TLS_CERTIFICATE": str(secrets / "tls_certificate"),
            "TLS_PRIVATE_KEY": str(secrets / "tls_private_key"),
        },
        http_port=free_port(),
        https_port=free_port(),
    )
    host = settings["NGINX_PUBLIC_ORIGIN"].removeprefix("https://")

    def get(hostname: str) -> tuple[int, bytes]:
        """GET / over TLS with SNI HOSTNAME, verified against the CA and that name."""
        context = ssl.create_default_context(cafile=ca)
        # As gateways check (Envoy, Go): the subject alternative names only.
        context.hostname_checks_common_name = False
        raw = socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10)
        with context.wrap_socket(raw, server_hostname=hostname) as tls:
            connection = http.client.HTTPConnection("127.0.0.1", nginx.https_port)
            connection.sock = tls
            connection.request("GET", "/", headers={"Host": host})
            response = connection.getresponse()
            return response.status, response.read()

    nginx.start()
    try:
        assert get(validation["hostname"]) == (200, b"<!doctype html><title>the page</title>\n")
        with pytest.raises(ssl.SSLCertVerificationError):
            get(f"{validation['hostname']}.example.com")
    finally:
        nginx.stop()


@pytest.mark.parametrize("name", ["kubernetes", "kubernetes-everything-off"])
def test_the_admin_path_is_set_in_one_place(name, deployed, tmp_path):
    """DJANGO_ADMIN_PATH in the base is the only place the manifests name the
    admin's path: nginx's NGINX_ADMIN_PATH, or the HTTPRoute without nginx,
    follow a change of it."""
    project, copy, _ = deployed(name)
    changed = tmp_path / "project"
    shutil.copytree(copy, changed)
    written = [
        path.relative_to(changed)
        for path in (changed / "deploy/kubernetes").rglob("*.yaml")
        if "staff" in path.read_text()
    ]
    assert written == [Path("deploy/kubernetes/base/kustomization.yaml")]
    base = changed / written[0]
    text = base.read_text()
    assert text.count("DJANGO_ADMIN_PATH=staff/") == 1 and text.count("staff") == 1
    base.write_text(text.replace("DJANGO_ADMIN_PATH=staff/", "DJANGO_ADMIN_PATH=back-office/"))
    for overlay in OVERLAYS:
        built = build(changed / "deploy/kubernetes" / overlay)
        assert generated(built, "ConfigMap", "backend-config")["data"]["DJANGO_ADMIN_PATH"] == (
            "back-office/"
        )
        if project.answers["use_frontend"]:
            nginx = generated(built, "ConfigMap", "frontend-config")["data"]
            assert nginx["NGINX_ADMIN_PATH"] == "/back-office/"
        else:
            route = one(built, "HTTPRoute", project.answers["project_slug"])
            paths = [m["path"]["value"] for m in route["spec"]["rules"][0]["matches"]]
            assert "/back-office/" in paths and "/staff/" not in paths
