"""Rewrite the addresses of email verifications in their canonical form
(``lib.email_address``), so a link opened after the upgrade finds the account it should.

A verification whose address cannot be read is left as it is (it expires within a day, and
opening it says what is wrong); the rows are named in the output.
"""

from django.db import migrations

from flipside.lib.email_address import plan_canonical


def canonicalise_emails(apps, schema_editor):
    EmailVerification = apps.get_model("recruitment", "EmailVerification")
    rows = EmailVerification.objects.order_by("pk").values_list("pk", "email")
    plan = plan_canonical([(pk, email, None) for pk, email in rows], label="email verification")
    for pk, email in plan.changes.items():
        EmailVerification.objects.filter(pk=pk).update(email=email)
    if plan.unreadable:
        print("\n  Email verifications left as they were: " + ", ".join(plan.unreadable))


class Migration(migrations.Migration):
    dependencies = [
        ("recruitment", "0002_matching_answers"),
    ]

    operations = [
        migrations.RunPython(canonicalise_emails, migrations.RunPython.noop, elidable=False),
    ]
