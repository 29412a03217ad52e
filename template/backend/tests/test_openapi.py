"""The API's published contract: the committed schema is what the code
generates, it is served to logged-in users only, and its docs page loads
nothing from elsewhere and needs nothing the CSP refuses."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parent.parent / "openapi.json"
REGENERATE = (
    "the API changed: regenerate the committed schema with\n"
    "  python manage.py spectacular --validate --fail-on-warn --format openapi-json"
    " > openapi.json"
)


def test_the_committed_schema_is_what_the_code_generates():
    generated = StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=generated
    )
    assert generated.getvalue() == SCHEMA.read_text(), REGENERATE


def test_every_operation_documents_its_errors():
    schema = json.loads(SCHEMA.read_text())
    assert schema["openapi"] == "3.1.0"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = set(operation["responses"])
            assert "503" in responses, (method, path)
            if operation["security"] != [{}]:
                assert responses & {"401", "403"}, (method, path)
            if "{id}" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert "400" in responses, (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_the_schema_and_its_page_need_a_log_in(anonymous, path):
    assert anonymous.get(path).status_code == 401


@pytest.mark.django_db
def test_the_schema_is_served_to_a_user_with_no_role(make_user, client):
    client.force_login(make_user())
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"] == "3.1.0"


@pytest.mark.django_db
def test_the_docs_page_is_served_offline_within_the_csp(viewer_client):
    response = viewer_client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy
    # No inline script or style, and nothing from another site.
    assert "<style" not in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    assert "/api/docs/?script=" in sources
    # drf-spectacular-sidecar's copies of Swagger UI, collected with the
    # other static files (the tests serve none: collectstatic has not run).
    assets = [s.removeprefix(settings.STATIC_URL) for s in sources if s != "/api/docs/?script="]
    assert all(finders.find(asset) for asset in assets), assets
    setup = viewer_client.get("/api/docs/?script=")
    assert setup["Content-Type"].startswith("application/javascript")
    assert b'"/api/schema/"' in setup.content


def test_the_schema_has_every_served_log_in_route_and_no_other():
    """django-allauth's routes, from its own description: those served, and
    none that answers 404 here (accounts.urls.NOT_SERVED)."""
    from django.urls import URLResolver, get_resolver

    from accounts.urls import HEADLESS, NOT_SERVED

    def routes(resolver, prefix: str = "") -> set[str]:
        found = set()
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                found |= routes(pattern, route)
            elif route.startswith(f"api/auth/{HEADLESS}"):
                found.add(f"/{route}")
        return found

    served = routes(get_resolver()) - {f"/api/auth/{HEADLESS}{route}" for route in NOT_SERVED}
    documented = {path for path in json.loads(SCHEMA.read_text())["paths"] if HEADLESS in path}
    assert documented == served
