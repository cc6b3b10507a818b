"""What coordinators change about keeping records: a scheme's retention schedule, and legal
holds on a person or a scheme. Each change is audited in its own transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.conflicts import EditConflict
from flipside.schemes.models import Organisation, Scheme

from . import audit
from .models import LegalHold, RetentionSchedule
from .retention import PERIODS


class RetentionError(Exception):
    """A schedule or hold change that cannot be made; the message says why."""


class ScheduleConflict(RetentionError, EditConflict):
    """Someone saved the schedule after the editor opened it; nothing was written."""


def schedule_of(scheme: Scheme) -> RetentionSchedule:
    """The scheme's schedule, or an unsaved one holding the defaults (version 0)."""
    found = RetentionSchedule.objects.filter(scheme=scheme).first()
    return found or RetentionSchedule(scheme=scheme, version=0)


def save_schedule(
    scheme: Scheme, *, by: User, version: int, values: dict[str, int]
) -> RetentionSchedule:
    """Set the scheme's periods. Saving what is already saved changes nothing (a double
    submit); saving over a newer version is refused."""
    for period in PERIODS:
        value = values[period.field]
        if not period.minimum <= value <= period.maximum:
            raise RetentionError(period.why_bounds)
    with transaction.atomic():
        schedule, _made = RetentionSchedule.objects.select_for_update().get_or_create(
            scheme=scheme, defaults={"version": 0}
        )
        before = {p.field: getattr(schedule, p.field) for p in PERIODS}
        if before == values and not _made:
            return schedule
        if schedule.version != version:
            raise ScheduleConflict(
                _("Someone else changed this schedule while you were editing it. Nothing was "
                  "saved: check what is saved now and save again if you still want to."),
                latest=schedule,
            )  # fmt: skip
        for name, value in values.items():
            setattr(schedule, name, value)
        schedule.version += 1
        schedule.updated_by, schedule.updated_at = by, timezone.now()
        schedule.save()
        changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
        audit.record(by, "privacy.retention_schedule.changed", scheme, **changes)
    return schedule


def holds_of(organisation: Organisation) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(organisation=organisation).select_related(
        "user", "scheme", "placed_by", "lifted_by"
    )


def holdable_people(organisation: Organisation) -> QuerySet[User]:
    """Everyone with a role in, or an application to, one of the organisation's cohorts."""
    return User.objects.filter(
        Q(memberships__cohort__scheme__organisation=organisation)
        | Q(applications__call__cohort__scheme__organisation=organisation)
    ).distinct()


def place_hold(
    organisation: Organisation,
    *,
    by: User,
    reason: str,
    user: User | None = None,
    scheme: Scheme | None = None,
) -> LegalHold:
    """Hold a person's records, or a scheme's, past their retention period. The same hold
    placed twice (a double submit) is one hold."""
    if (user is None) == (scheme is None):
        raise RetentionError(_("Choose a person or a scheme to hold, not both."))
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        standing = LegalHold.objects.filter(
            organisation=organisation, user=user, scheme=scheme, lifted_at__isnull=True
        ).first()
        if standing is not None:
            return standing
        hold = LegalHold.objects.create(
            organisation=organisation, user=user, scheme=scheme, reason=reason, placed_by=by
        )
        audit.record(
            by,
            "privacy.legal_hold.placed",
            hold,
            person=user and user.pk,
            scheme=scheme and scheme.pk,
        )
    return hold


def lift_hold(hold: LegalHold, *, by: User) -> LegalHold:
    """Lift a hold: retention removes what it kept on its next run. Lifting twice is once."""
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.lifted_at is not None:
            return locked
        locked.lifted_at, locked.lifted_by = timezone.now(), by
        locked.save(update_fields=["lifted_at", "lifted_by"])
        audit.record(by, "privacy.legal_hold.lifted", locked)
    return locked
