import itertools

import pytest
from rest_framework.test import APIClient

from customers.models import Customer

_numbers = itertools.count(1)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


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
