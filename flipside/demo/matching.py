"""The demo's pairs: Pride's closed year (its pairs kept as they ended the year, and
remembered as past pairs for matching later years) and this year's running ones, each mentor
with the mentee who joined in the same place. Race Equality's cohort in matching is left for
the visitor to match."""

from __future__ import annotations

import datetime

from django.utils import timezone

from flipside.accounts.models import User
from flipside.matching.models import Pair, PastPair
from flipside.schemes.models import Cohort, Role

from .organisation import Demo


def add_pairs(demo: Demo) -> None:
    for cohort in (demo.pride_closed, demo.pride_running):
        _pairs(cohort, by=demo.coordinator)


def _pairs(cohort: Cohort, *, by: User) -> None:
    organisation_id = cohort.scheme.organisation_id
    started = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(9)))
    mentors, mentees = _people(cohort, Role.MENTOR), _people(cohort, Role.MENTEE)
    for mentor, mentee in zip(mentors, mentees, strict=False):
        PastPair.objects.create(
            organisation_id=organisation_id,
            mentor_digest=PastPair.digest(organisation_id, mentor.email),
            mentee_digest=PastPair.digest(organisation_id, mentee.email),
        )
        Pair.objects.create(
            cohort=cohort, mentor=mentor, mentee=mentee, started_at=started, created_by=by
        )


def _people(cohort: Cohort, role: str) -> list[User]:
    rows = cohort.memberships.filter(role=role).select_related("user").order_by("id")
    return [m.user for m in rows]
