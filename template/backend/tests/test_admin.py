import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_staff_manage_customers_in_the_admin(client, make_customer):
    make_customer(last_name="Hopper")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(admin)
    changelist = client.get("/admin/customers/customer/?q=hop")
    assert changelist.status_code == 200
    assert b"Hopper" in changelist.content
    assert client.get("/admin/customers/customer/add/").status_code == 200


def test_the_admin_needs_a_login(client):
    response = client.get("/admin/customers/customer/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
