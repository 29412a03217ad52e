import itertools

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import EDITORS, MANAGERS, VIEWERS
from customers.models import Customer

_numbers = itertools.count(1)

PASSWORD = "a long and unguessable test password"  # pragma: allowlist secret


@pytest.fixture(autouse=True)
def no_earlier_log_in_failures():
    """Failures counted in Redis (django-axes' cache handler) outlive a test's
    database transaction; in the database they are rolled back with it."""
    if settings.AXES_HANDLER.endswith(".AxesCacheHandler"):
        caches[settings.AXES_CACHE].clear()


@pytest.fixture
def make_user(db):
    """make_user(group, ...) -> a user in one of the roles' groups (or none)."""

    def make(group: str | None = None, **fields):
        values = {"username": f"user{next(_numbers)}", **fields}
        user = get_user_model().objects.create_user(password=PASSWORD, **values)
        if group is not None:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user(VIEWERS)


@pytest.fixture
def editor(make_user):
    return make_user(EDITORS)


@pytest.fixture
def manager(make_user):
    return make_user(MANAGERS)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def api(manager) -> APIClient:
    """A client allowed everything on customers (a manager)."""
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    """Django's test client with a viewer's session."""
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def make_customer(db):
    def make(**fields) -> Customer:
        number = next(_numbers)
        values = {
            "first_name": f"Ada{number}",
            "last_name": f"Lovelace{number}",
            "email": f"ada{number}@example.com",
        }
        values.update(fields)
        return Customer.objects.create(**values)

    return make
