"""API tokens for machine clients (django-rest-knox), issued and revoked by
management commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.roles import VIEWERS

pytestmark = pytest.mark.django_db

URL = "/api/customers/"


def issue(username: str, *args: str) -> str:
    out = StringIO()
    call_command("issue_api_token", username, *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_acts_as_its_user_with_the_users_permissions(make_user, make_customer):
    make_user(VIEWERS, username="reporter")
    make_customer()
    client = with_token(issue("reporter"))
    assert client.get(URL).status_code == 200
    me = client.get("/api/auth/me/").json()
    assert me["username"] == "reporter"
    created = client.post(URL, {"first_name": "A", "last_name": "B", "email": "a@example.com"})
    assert created.status_code == 403


def test_a_token_is_stored_only_as_a_hash(make_user):
    make_user(VIEWERS, username="reporter")
    token = issue("reporter")
    assert len(token) >= 64
    [stored] = AuthToken.objects.values()  # every column, as stored
    assert not any(token in str(value) for value in stored.values())


def test_a_token_expires(make_user):
    make_user(VIEWERS, username="reporter")
    token = issue("reporter", "--days", "1")
    stored = AuthToken.objects.get()
    assert stored.expiry is not None
    left = stored.expiry - timezone.now()
    assert timedelta(days=1) - timedelta(minutes=1) < left <= timedelta(days=1)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = with_token(token).get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_revoked_tokens_get_401(make_user):
    make_user(VIEWERS, username="reporter")
    first, second = issue("reporter"), issue("reporter")
    call_command("revoke_api_tokens", "reporter", stdout=StringIO())
    for token in (first, second):
        assert with_token(token).get(URL).status_code == 401
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("header", ["Token", "Token not-a-token", "Token a b", "Bearer x" * 3])
def test_malformed_or_unknown_tokens_get_401(anonymous, header):
    assert anonymous.get(URL, HTTP_AUTHORIZATION=header).status_code == 401


def test_a_deactivated_users_tokens_stop_working(make_user):
    user = make_user(VIEWERS, username="reporter")
    token = issue("reporter")
    user.is_active = False
    user.save()
    assert with_token(token).get(URL).status_code == 401


def test_a_token_can_go_to_a_file_instead_of_the_screen(make_user, tmp_path):
    make_user(VIEWERS, username="reporter")
    path = tmp_path / "token"
    assert issue("reporter", "--output", str(path)) == ""
    assert path.stat().st_mode & 0o777 == 0o600
    assert with_token(path.read_text().strip()).get(URL).status_code == 200
    with pytest.raises(CommandError, match="exists"):
        issue("reporter", "--output", str(path))


def test_tokens_are_only_issued_for_active_users_and_for_a_bounded_time(make_user):
    make_user(VIEWERS, username="gone", is_active=False)
    with pytest.raises(CommandError):
        issue("gone")
    with pytest.raises(CommandError):
        issue("nobody")
    make_user(VIEWERS, username="reporter")
    with pytest.raises(CommandError):
        issue("reporter", "--days", "0")
