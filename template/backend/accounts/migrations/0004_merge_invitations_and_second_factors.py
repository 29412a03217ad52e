"""Joins the two lines of migrations made side by side: invitations
(0002, 0003) and the second factors copied from django-otp (0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_second_factors_from_django_otp"),
        ("accounts", "0003_invitation_permissions"),
    ]

    operations = []
