"""Deny by default: who may do what with customers, through the API."""

from base64 import b64encode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.urls import NOT_SERVED
from customers.models import Customer

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST = "/api/customers/"
NEW = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
REPLACEMENT = {"first_name": "Ada", "last_name": "Byron", "email": "ada.byron@example.com"}

# Every endpoint and method of the customers API, and the permission it needs.
OPERATIONS = [
    ("get", "list", None, "view"),
    ("head", "list", None, "view"),
    ("options", "list", None, "view"),
    ("post", "list", NEW, "add"),
    ("get", "detail", None, "view"),
    ("head", "detail", None, "view"),
    ("options", "detail", None, "view"),
    ("put", "detail", REPLACEMENT, "change"),
    ("patch", "detail", {"is_active": False}, "change"),
    ("delete", "detail", None, "delete"),
]
ROLES = {
    "viewer": {"view"},
    "editor": {"view", "add", "change"},
    "manager": {"view", "add", "change", "delete"},
}
SUCCESS = {
    "get": 200,
    "head": 200,
    "options": 200,
    "post": 201,
    "put": 200,
    "patch": 200,
    "delete": 204,
}


def call(client: APIClient, method: str, url: str, body: dict | None):
    return (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )


@pytest.fixture
def customer(make_customer) -> Customer:
    made: Customer = make_customer(email="existing@example.com", phone="+44 20 7946 0000")
    return made


def snapshot() -> list[tuple]:
    return sorted(Customer.objects.values_list("id", "first_name", "email", "is_active"))


@pytest.mark.parametrize(("method", "endpoint", "body", "needs"), OPERATIONS)
def test_anonymous_clients_get_401_and_no_data(anonymous, customer, method, endpoint, body, needs):
    before = snapshot()
    url = LIST if endpoint == "list" else f"{LIST}{customer.pk}/"
    response = call(anonymous, method, url, body)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    if method != "head":
        assert set(response.json()) == {"detail"}
    assert customer.email.encode() not in response.content
    assert snapshot() == before


@pytest.mark.parametrize(("method", "endpoint", "body", "needs"), OPERATIONS)
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_may_do_exactly_what_its_permissions_allow(
    request, customer, role, method, endpoint, body, needs
):
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(role))
    before = snapshot()
    url = LIST if endpoint == "list" else f"{LIST}{customer.pk}/"
    response = call(client, method, url, body)
    if needs in ROLES[role]:
        assert response.status_code == SUCCESS[method], response.content
    else:
        assert response.status_code == 403, response.content
        assert set(response.json()) == {"detail"}
        assert customer.email.encode() not in response.content
        assert snapshot() == before


def test_a_user_without_a_role_sees_nothing(make_user, customer):
    client = APIClient()
    client.force_authenticate(make_user())
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{customer.pk}/").status_code == 403


def test_a_viewer_cannot_tell_whether_a_customer_exists(viewer, customer):
    client = APIClient()
    client.force_authenticate(viewer)
    assert client.delete(f"{LIST}{customer.pk}/").status_code == 403
    assert client.delete(f"{LIST}999999/").status_code == 403


def test_http_basic_is_not_accepted(anonymous, viewer):
    credentials = b64encode(f"{viewer.username}:{PASSWORD}".encode()).decode()
    response = anonymous.get(LIST, HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401


def api_url_names(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> list[tuple[str, set[str]]]:
    """(name, its arguments) of every named URL pattern under /api/."""
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if not route.startswith("api/"):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += api_url_names(pattern, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((namespace + pattern.name, set(pattern.pattern.regex.groupindex)))
    return found


HEADLESS = "/api/auth/browser/v1/"
# Log-in and its second step, password reset, allauth's configuration, the
# CSRF bootstrap: answered to anyone, with nothing of any customer.
PUBLIC = {
    "/api/auth/csrf/",
    *(
        f"{HEADLESS}{path}"
        for path in (
            "config",
            "auth/login",
            "auth/2fa/authenticate",
            "auth/password/request",
            "auth/password/reset",
        )
    ),
    # An invitation's key is the credential (test_invitations).
    "/api/auth/invitation/check/",
    "/api/auth/invitation/accept/",
}


def test_every_other_api_url_needs_a_log_in(anonymous, customer):
    urls = set()
    for name, arguments in api_url_names(get_resolver()):
        values = {a: "json" if a == "format" else str(customer.pk) for a in arguments}
        urls.add(reverse(name, kwargs=values))
    assert {LIST, f"{LIST}{customer.pk}/", f"{LIST}{customer.pk}.json", "/api/"} <= urls
    assert {"/api/auth/me/", f"{HEADLESS}account/password/change"} <= urls
    for url in sorted(urls):
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            if url.removeprefix(HEADLESS) in NOT_SERVED:
                assert response.status_code == 404, (method, url)
            elif url not in PUBLIC:
                assert response.status_code in (401, 403, 405), (method, url, response.status_code)
            assert customer.email.encode() not in response.content, url
