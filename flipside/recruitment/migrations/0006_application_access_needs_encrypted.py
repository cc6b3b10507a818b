"""An application's access needs, encrypted into ``access_needs_ciphertext`` with the field
keys configured when the migration runs (``FIELD_ENCRYPTION_KEYS``); then the plain column
goes. Every application gets a sealed value, an empty one where none was given. Reversed,
the words are decrypted back into ``access_needs`` (every key that sealed them must still
be configured)."""

from django.db import migrations, models

import flipside.recruitment.models
from flipside.privacy import crypto


def encrypt_access_needs(apps, schema_editor):
    Application = apps.get_model("recruitment", "Application")
    for application in Application.objects.only("pk", "access_needs").iterator():
        application.access_needs_ciphertext = crypto.encrypt({"text": application.access_needs})
        application.save(update_fields=["access_needs_ciphertext"])


def decrypt_access_needs(apps, schema_editor):
    Application = apps.get_model("recruitment", "Application")
    for application in Application.objects.only("pk", "access_needs_ciphertext").iterator():
        found = crypto.decrypt(application.access_needs_ciphertext)
        application.access_needs = found.get("text", "")
        application.save(update_fields=["access_needs"])


class Migration(migrations.Migration):
    dependencies = [
        ("recruitment", "0005_application_call_status_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="access_needs_ciphertext",
            field=models.TextField(default=flipside.recruitment.models.no_access_needs),
        ),
        migrations.RunPython(encrypt_access_needs, decrypt_access_needs),
        migrations.RemoveField(model_name="application", name="access_needs"),
    ]
