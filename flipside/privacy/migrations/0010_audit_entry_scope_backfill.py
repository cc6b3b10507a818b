"""Back-fill where older audit entries belong, for the entries about an organisation, a
scheme, a cohort or a cohort's membership (the records this app's migrations can read).
Entries about records of other apps keep no place, so the audit log page shows them to no
coordinator; they stay in the log, and in its chain, as before (decision 0034)."""

from django.db import migrations

BATCH = 1000


def _places(apps):  # type: ignore[no-untyped-def]
    Cohort = apps.get_model("schemes", "Cohort")
    Scheme = apps.get_model("schemes", "Scheme")
    Membership = apps.get_model("schemes", "Membership")
    schemes = dict(Scheme.objects.values_list("pk", "organisation_id"))
    cohorts = {pk: (schemes.get(s), s) for pk, s in Cohort.objects.values_list("pk", "scheme_id")}
    by_type = {
        "schemes.organisation": lambda pk: (pk, None, None),
        "schemes.scheme": lambda pk: (schemes.get(pk), pk, None) if pk in schemes else None,
        "schemes.cohort": lambda pk: (*cohorts[pk], pk) if pk in cohorts else None,
    }
    memberships = dict(Membership.objects.values_list("pk", "cohort_id"))
    by_type["schemes.membership"] = lambda pk: (
        by_type["schemes.cohort"](memberships[pk]) if pk in memberships else None
    )
    return by_type


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEntry = apps.get_model("privacy", "AuditEntry")
    by_type = _places(apps)
    entries = AuditEntry.objects.filter(
        organisation__isnull=True, object_type__in=list(by_type)
    ).only("pk", "object_type", "object_id")
    changed = []
    for entry in entries.iterator(chunk_size=BATCH):
        if not entry.object_id.isdigit():
            continue
        place = by_type[entry.object_type](int(entry.object_id))
        if place is None or place[0] is None:
            continue
        entry.organisation_id, entry.scheme_id, entry.cohort_id = place
        changed.append(entry)
        if len(changed) >= BATCH:
            AuditEntry.objects.bulk_update(changed, ["organisation", "scheme", "cohort"])
            changed = []
    if changed:
        AuditEntry.objects.bulk_update(changed, ["organisation", "scheme", "cohort"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0009_audit_entry_scope")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
