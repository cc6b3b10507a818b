"""A "given" consent record for every equality record kept before consent records existed."""

from django.db import migrations

NOTE = (
    "Carried over from the equality answers stored before consent records were kept: the time "
    "and notice version are those stored with the answers; the wording shown then was not "
    "kept, so there is no hash; the categories are the questions the scheme asked when this "
    "record was made."
)


def carry_over(apps, schema_editor):
    EqualityRecord = apps.get_model("privacy", "EqualityRecord")
    ConsentRecord = apps.get_model("privacy", "ConsentRecord")
    records = EqualityRecord.objects.select_related("cohort__scheme").order_by("consented_at", "id")
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            user_id=record.user_id,
            purpose="equality_monitoring",
            cohort_id=record.cohort_id,
            event="given",
            at=record.consented_at,
            categories=list(record.cohort.scheme.equality_questions or []),
            notice_version=record.notice_version,
            note=NOTE,
        )
        for record in records.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0004_consentrecord"),
        ("schemes", "0004_membership_sort_name"),
    ]

    # Going back drops the table (0004), so there is nothing to undo here.
    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
