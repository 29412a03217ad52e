import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PROXY = "10.1.2.3"


def client_address(client, peer: str, forwarded: str) -> str:
    """The client address Django saw (and logs and rate-limits under)."""
    response = client.get("/api/customers/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    address: str = response.wsgi_request.META["REMOTE_ADDR"]
    return address


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_trusted_proxy_forwards_the_client_address(viewer_client):
    assert client_address(viewer_client, PROXY, "203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_addresses_a_client_prepends_are_ignored(viewer_client):
    forwarded = "198.51.100.1, 203.0.113.9, 10.9.9.9"
    assert client_address(viewer_client, PROXY, forwarded) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_untrusted_peer_cannot_choose_its_address(viewer_client):
    assert client_address(viewer_client, "192.0.2.50", "203.0.113.9") == "192.0.2.50"


@override_settings(TRUSTED_PROXIES=[])
def test_no_proxy_is_trusted_by_default(viewer_client):
    assert client_address(viewer_client, PROXY, "203.0.113.9") == PROXY


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_garbled_forwarded_header_keeps_the_proxy_address(viewer_client):
    assert client_address(viewer_client, PROXY, "not-an-ip") == PROXY
    # Too long for any address: not parsed, nor kept in the middleware's cache.
    assert client_address(viewer_client, PROXY, "1" * 65) == PROXY


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_the_client_address_is_written_as_python_writes_it(viewer_client):
    for sent, seen in [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("2001:db8::1", "2001:db8::1"),  # the second time, from the cache
    ]:
        assert client_address(viewer_client, PROXY, sent) == seen


@override_settings(
    TRUSTED_PROXIES=["10.0.0.0/8"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
)
def test_only_a_trusted_proxy_may_say_the_request_was_https(viewer_client):
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert viewer_client.get("/api/customers/", REMOTE_ADDR=PROXY, **https).status_code == 200
    assert (
        viewer_client.get("/api/customers/", REMOTE_ADDR="192.0.2.50", **https).status_code == 301
    )
