"""Workflows that change organisations, schemes, cohorts and memberships."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.lib.names import fold
from flipside.notifications import outbox
from flipside.privacy import audit

from .models import ALLOWED_TRANSITIONS, Cohort, Membership, Organisation, Role, Scheme, Site, Stage


class SchemeError(Exception):
    """A change to a scheme or cohort that cannot be made; the message says why."""


class SchemeConflict(SchemeError, EditConflict):
    """Someone saved the scheme or cohort after the editor opened it; nothing was written."""


def _changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [getattr(obj, field), value]
        for field, value in values.items()
        if getattr(obj, field) != value
    }


def _save_versioned(obj: Scheme | Cohort, *, version: int, values: dict[str, Any]) -> int:
    """Write ``values`` only if nobody saved since ``version`` was read; return rows written."""
    model = type(obj)
    return model.objects.filter(pk=obj.pk, version=version).update(**values, version=version + 1)


def _scheme_name_taken(organisation_id: int, name: str, *, other_than: int | None = None) -> bool:
    """Another scheme of the organisation has this name, however either is spelt (case,
    accents, spacing: see ``flipside.lib.names.fold``)."""
    names = Scheme.objects.filter(organisation_id=organisation_id)
    if other_than is not None:
        names = names.exclude(pk=other_than)
    return fold(name) in {fold(found) for found in names.values_list("name", flat=True)}


def create_scheme(organisation: Organisation, *, by: Any, **values: Any) -> Scheme:
    with transaction.atomic():
        if _scheme_name_taken(organisation.pk, values["name"]):
            raise SchemeError(_("Your organisation already has a scheme with this name."))
        scheme = Scheme.objects.create(organisation=organisation, **values)
        audit.record(by, "schemes.scheme.created", scheme)
    return scheme


def update_scheme(scheme: Scheme, *, by: Any, version: int, **values: Any) -> Scheme:
    with transaction.atomic():
        name = values.get("name", scheme.name)
        if _scheme_name_taken(scheme.organisation_id, name, other_than=scheme.pk):
            raise SchemeError(_("Your organisation already has a scheme with this name."))
        changes = _changes(scheme, values)
        if not _save_versioned(scheme, version=version, values=values):
            raise SchemeConflict(
                _(
                    "Someone else changed this scheme while you were editing. Nothing was saved. "
                    "Compare your changes with what is saved now, then save again."
                ),
                latest=Scheme.objects.get(pk=scheme.pk),
            )
        audit.record(by, "schemes.scheme.updated", scheme, changes=changes)
    scheme.refresh_from_db()
    return scheme


def _check_dates(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on <= starts_on:
        raise SchemeError(_("The end date must be after the start date."))


def create_cohort(scheme: Scheme, *, by: Any, **values: Any) -> Cohort:
    _check_dates(values["starts_on"], values["ends_on"])
    try:
        with transaction.atomic():
            cohort = Cohort.objects.create(scheme=scheme, **values)
            audit.record(by, "schemes.cohort.created", cohort)
    except IntegrityError as error:
        raise SchemeError(_("This scheme already has a cohort for that academic year.")) from error
    return cohort


def update_cohort(cohort: Cohort, *, by: Any, version: int, **values: Any) -> Cohort:
    _check_dates(values["starts_on"], values["ends_on"])
    with transaction.atomic():
        clash = Cohort.objects.filter(scheme=cohort.scheme_id, label=values["label"])
        if clash.exclude(pk=cohort.pk).exists():
            raise SchemeError(_("This scheme already has a cohort for that academic year."))
        changes = _changes(cohort, values)
        if not _save_versioned(cohort, version=version, values=values):
            raise SchemeConflict(
                _(
                    "Someone else changed this cohort while you were editing. Nothing was saved. "
                    "Compare your changes with what is saved now, then save again."
                ),
                latest=Cohort.objects.get(pk=cohort.pk),
            )
        audit.record(by, "schemes.cohort.updated", cohort, changes=changes)
    cohort.refresh_from_db()
    return cohort


def transition_problem(current: str, target: str) -> str | None:
    """Why a cohort cannot move from ``current`` to ``target``, or None if it can."""
    if target not in Stage.values:
        return _("That is not a stage a cohort can be in.")
    if target == current:
        return _("The cohort is already at this stage.")
    if current == Stage.CLOSED:
        return _("This cohort is closed; closed cohorts cannot be reopened.")
    if target in ALLOWED_TRANSITIONS[current]:
        return None
    if current == Stage.RUNNING:
        return _("Pairs are already meeting, so the cohort can only be closed now.")
    return _("A cohort moves one stage at a time: from %(current)s it can go to %(allowed)s.") % {
        "current": Stage(current).label,
        "allowed": ", ".join(
            str(Stage(s).label) for s in Stage if s in ALLOWED_TRANSITIONS[current]
        ),
    }


def change_cohort_stage(
    cohort: Cohort, *, to: str, by: Any, expected: str | None = None, notify: bool = True
) -> Cohort:
    """Move a cohort to another stage. ``expected`` is the stage the coordinator saw; if
    someone moved it meanwhile the change is refused rather than applied twice."""
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if expected is not None and locked.stage != expected:
            raise SchemeConflict(
                _("Someone else has already moved this cohort to %(stage)s.")
                % {"stage": locked.get_stage_display()},
                latest=locked,
            )
        problem = transition_problem(locked.stage, to)
        if problem:
            raise SchemeError(problem)
        previous = locked.stage
        locked.stage = to
        locked.stage_changed_at = timezone.now()
        locked.version += 1
        fields = ["stage", "stage_changed_at", "version"]
        if previous == Stage.RECRUITING and to != Stage.PLANNING:
            locked.recruiting_ended_at = locked.stage_changed_at
            fields.append("recruiting_ended_at")
        locked.save(update_fields=fields)
        audit.record(by, "schemes.cohort.stage_changed", locked, previous=previous, stage=to)
        if notify and to in STAGES_PARTICIPANTS_HEAR_ABOUT:
            _tell_participants(locked)
    return locked


# Participants hear when something changes for them; planning and recruiting are the
# coordinators' business.
STAGES_PARTICIPANTS_HEAR_ABOUT = {Stage.TRAINING, Stage.MATCHING, Stage.RUNNING, Stage.CLOSED}


def _tell_participants(cohort: Cohort) -> None:
    from .selectors import next_step_for

    members = cohort.memberships.filter(role__in=[Role.MENTOR, Role.MENTEE]).select_related("user")
    for membership in members:
        outbox.enqueue(
            "stage_changed",
            to=membership.user.email,
            user=membership.user,
            scheme=cohort.scheme,
            values={
                "cohort": str(cohort),
                "scheme": cohort.scheme.name,
                "stage": str(cohort.get_stage_display()),
                "next_step": next_step_for(membership.role, cohort),
                "link": settings.SITE_URL + reverse("home"),
            },
        )


def add_member(
    cohort: Cohort, *, user: Any, role: str, by: Any, site: Site | None = None
) -> Membership:
    """Give a person a role in a cohort. Adding the same role again changes nothing."""
    with transaction.atomic():
        existing = Membership.objects.select_for_update().filter(cohort=cohort, user=user).first()
        if existing is not None:
            if existing.role != role:
                raise SchemeError(
                    _("%(person)s is already in this cohort as %(role)s.")
                    % {"person": user, "role": existing.get_role_display()}
                )
            return existing
        membership = Membership.objects.create(
            cohort=cohort, user=user, role=role, site=site, sort_name=user.display_name
        )
        audit.record(by, "schemes.membership.added", membership, role=role, user=user.email)
    return membership


def assign_scheme_coordinator(scheme: Scheme, *, user: Any, by: Any) -> None:
    with transaction.atomic():
        role, created = scheme.coordinator_roles.get_or_create(user=user)
        if created:
            audit.record(by, "schemes.scheme.coordinator_added", scheme, user=user.email)
