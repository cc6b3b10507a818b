"""A concern's subject and body, encrypted together into ``ciphertext`` with the field keys
configured when the migration runs (``FIELD_ENCRYPTION_KEYS``); then the plain columns go.
Reversed, the words are decrypted back into them (every key that sealed them must still be
configured)."""

from django.db import migrations, models

from flipside.privacy import crypto


def encrypt_concerns(apps, schema_editor):
    Concern = apps.get_model("training", "Concern")
    for concern in Concern.objects.only("pk", "subject", "body").iterator():
        concern.ciphertext = crypto.encrypt({"subject": concern.subject, "body": concern.body})
        concern.save(update_fields=["ciphertext"])


def decrypt_concerns(apps, schema_editor):
    Concern = apps.get_model("training", "Concern")
    for concern in Concern.objects.only("pk", "ciphertext").iterator():
        words = crypto.decrypt(concern.ciphertext)
        concern.subject, concern.body = words["subject"], words["body"]
        concern.save(update_fields=["subject", "body"])


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_readiness_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="concern",
            name="ciphertext",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_concerns, decrypt_concerns),
        # A default before the columns go, so that reversing adds them back to existing rows.
        migrations.AlterField(
            model_name="concern", name="subject", field=models.CharField(max_length=200, default="")
        ),
        migrations.AlterField(
            model_name="concern", name="body", field=models.TextField(default="")
        ),
        migrations.RemoveField(model_name="concern", name="subject"),
        migrations.RemoveField(model_name="concern", name="body"),
    ]
