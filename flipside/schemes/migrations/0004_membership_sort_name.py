from django.db import migrations, models

# Every membership takes its person's name as it stands.
FILL = """
    UPDATE schemes_membership SET sort_name = (
        SELECT u.display_name FROM accounts_user u WHERE u.id = schemes_membership.user_id
    )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("schemes", "0003_membership_cohort_role"),
        ("accounts", "0006_invitation_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="sort_name",
            field=models.CharField(default="", editable=False, max_length=150),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["cohort", "role", "sort_name", "id"], name="membership_people"
            ),
        ),
    ]
