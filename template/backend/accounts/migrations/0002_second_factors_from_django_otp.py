"""The admin's TOTP devices of django-otp (before 0.2.0) become
django-allauth authenticator apps, so that staff keep their phones' codes.

django-otp is no longer installed; its table stays (the release before this
one still reads it while both run) and is read here with SQL. A device is
copied when it is confirmed, counts 30-second steps from 0 in 6 digits (all
that django-otp's admin ever made, and all that allauth reads), and its
user has no authenticator app yet. Its key is hex; allauth's is base32.
"""

import base64

from django.db import migrations

DEVICES = "otp_totp_totpdevice"


def copy_devices(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if DEVICES not in connection.introspection.table_names():
        return  # a project made with 0.2.0 or later
    Authenticator = apps.get_model("mfa", "Authenticator")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, key FROM {DEVICES}"  # noqa: S608 (a constant name)
            " WHERE confirmed AND step = 30 AND t0 = 0 AND digits = 6 ORDER BY id"
        )
        devices = cursor.fetchall()
    for user_id, key in devices:
        if Authenticator.objects.filter(user_id=user_id, type="totp").exists():
            continue
        secret = base64.b32encode(bytes.fromhex(key)).decode()
        Authenticator.objects.create(user_id=user_id, type="totp", data={"secret": secret})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(copy_devices, migrations.RunPython.noop)]
