"""Each invitation keeps a link to its email in the outbox, so the people page can say when
the mail server refused it. Pending invitations made before this are linked to the first
invitation email to their address in their scheme sent at or after they were made (the
email is written in the same transaction, just after the invitation)."""

import django.db.models.deletion
from django.db import migrations, models


def link_pending_invitations(apps, schema_editor):
    Invitation = apps.get_model("accounts", "Invitation")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    pending = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, message__isnull=True
    ).select_related("cohort")
    for invitation in pending:
        message = (
            OutboxMessage.objects.filter(
                kind="invitation",
                to=invitation.email,
                scheme_id=invitation.cohort.scheme_id,
                created_at__gte=invitation.created_at,
            )
            .order_by("created_at", "pk")
            .first()
        )
        if message is not None:
            Invitation.objects.filter(pk=invitation.pk).update(message=message)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_name_validators"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="notifications.outboxmessage",
            ),
        ),
        migrations.RunPython(link_pending_invitations, migrations.RunPython.noop, elidable=False),
    ]
