"""Rewrite stored email addresses in their canonical form (``lib.email_address``).

Nothing is merged: if two accounts (or two pending invitations to one cohort) turn out to be
one address, or an account's address cannot be read at all, the migration stops, names the
rows and changes nothing, so a person decides what to do with them.
"""

from django.db import migrations
from django.db.models import Q

from flipside.lib.email_address import plan_canonical

STOPPED = (
    "Some email addresses cannot be put in their canonical form (see docs/architecture.md, "
    "'Email addresses'). Nothing was changed and nothing is merged automatically: correct or "
    "remove these rows, then run migrate again.\n- "
)


def canonicalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Invitation = apps.get_model("accounts", "Invitation")
    users = plan_canonical(
        [
            (pk, email, "all")
            for pk, email in User.objects.order_by("pk").values_list("pk", "email")
        ],
        label="user",
    )
    pending = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    rows = Invitation.objects.order_by("pk").values_list("pk", "email", "cohort_id")
    pending_ids = set(Invitation.objects.filter(pending).values_list("pk", flat=True))
    invitations = plan_canonical(
        [(pk, email, cohort if pk in pending_ids else None) for pk, email, cohort in rows],
        label="invitation",
    )
    # An invitation that cannot be read is left as it is: opening it says what is wrong, and
    # the coordinator can invite the right address. An account that cannot be read could no
    # longer sign in, so it stops the migration like a collision does.
    problems = users.collisions + users.unreadable + invitations.collisions
    if problems:
        raise RuntimeError(STOPPED + "\n- ".join(problems))
    for pk, email in users.changes.items():
        User.objects.filter(pk=pk).update(email=email)
    for pk, email in invitations.changes.items():
        Invitation.objects.filter(pk=pk).update(email=email)
    if invitations.unreadable:
        print("\n  Invitations left as they were: " + ", ".join(invitations.unreadable))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_session_epoch"),
    ]

    operations = [
        migrations.RunPython(canonicalise_emails, migrations.RunPython.noop, elidable=False),
    ]
