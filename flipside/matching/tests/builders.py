"""Builders for matching tests: people with accepted applications in a matching cohort."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from conftest import bulk_members, join, make_cohort, make_user
from flipside.matching import kept
from flipside.matching.models import Pair, Proposal, Run
from flipside.matching.services.edits import _totals
from flipside.recruitment.models import Application, Call, Programme, Topic
from flipside.schemes.models import Cohort, Role, Scheme, Site, Stage


def matching_cohort(scheme: Scheme | None = None, **fields: Any) -> Cohort:
    return make_cohort(scheme, stage=Stage.MATCHING, **fields)


def topic(scheme: Scheme, name: str) -> Topic:
    found, _created = Topic.objects.get_or_create(scheme=scheme, name=name)
    return found


def programme(cohort: Cohort, name: str = "MBBS Medicine") -> Programme:
    found, _created = Programme.objects.get_or_create(
        organisation=cohort.scheme.organisation, name=name
    )
    return found


def site(cohort: Cohort, name: str) -> Site:
    found, _created = Site.objects.get_or_create(organisation=cohort.scheme.organisation, name=name)
    return found


def _call(cohort: Cohort, role: str) -> Call:
    now = timezone.now()
    found, _created = Call.objects.get_or_create(
        cohort=cohort,
        role=role,
        defaults={
            "title": f"Call for {role}s",
            "introduction": "Join the scheme.",
            "opens_at": now - datetime.timedelta(days=60),
            "closes_at": now - datetime.timedelta(days=30),
            "places": 50,
        },
    )
    return found


def person(
    cohort: Cohort,
    role: str,
    name: str | None = None,
    *,
    user: Any = None,
    topics: tuple[str, ...] = (),
    availability: tuple[str, ...] = ("tue-pm",),
    mode: str = "either",
    at: Site | None = None,
    department: str = "",
    study: tuple[Programme, int] | None = None,
    teaching: tuple[tuple[Programme, int], ...] = (),
    preferences: tuple[str, ...] = (),
    conflicts: str = "",
    applied: bool = True,
) -> Any:
    """A cohort member in ``role`` with an accepted application holding these answers."""
    user = join(cohort, role, user or make_user(name))
    if not applied:
        return user
    application = Application.objects.create(
        call=_call(cohort, role),
        applicant=user,
        status=Application.Status.ACCEPTED,
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        availability=list(availability),
        mode=mode,
        site=at,
        department=department,
        programme=study[0] if study else None,
        year=study[1] if study else None,
        teaching=[{"programme": p.pk, "year": y} for p, y in teaching],
        preferences=list(preferences),
        conflicts=conflicts,
        statement="I would like to help." if role == Role.MENTOR else "",
        job_title="" if role == Role.MENTOR else "Professor",
    )
    application.topics.set([topic(cohort.scheme, t) for t in topics])
    return user


def mentor(cohort: Cohort, name: str | None = None, **answers: Any) -> Any:
    return person(cohort, Role.MENTOR, name, **answers)


def mentee(cohort: Cohort, name: str | None = None, **answers: Any) -> Any:
    return person(cohort, Role.MENTEE, name, **answers)


def many_pairs(cohort: Cohort, n: int, *, ended: int = 0) -> list[Pair]:
    """``n`` active pairs (mentors "Mentor 0000" …, mentees "Mentee 0000" …) and ``ended``
    more that ended early, made in a handful of queries."""
    mentors = bulk_members(cohort, Role.MENTOR, n + ended, name="Mentor")
    mentees = bulk_members(cohort, Role.MENTEE, n + ended, name="Mentee")
    now = timezone.now()
    made = Pair.objects.bulk_create(
        Pair(cohort=cohort, mentor=a, mentee=b, score=70)
        if i < n
        else Pair(cohort=cohort, mentor=a, mentee=b, status=Pair.Status.ENDED, ended_at=now)
        for i, (a, b) in enumerate(zip(mentors, mentees, strict=True))
    )
    kept.changed("cohort", cohort.pk)  # made in bulk, without the signals
    return made


def many_proposals(cohort: Cohort, n: int) -> Run:
    """The cohort's draft run (made the first time) with ``n`` more proposed pairs (mentors
    "Mentor 0000" …, mentees "Mentee 0000" …) scoring from 0 to 100, made in a handful of
    queries."""
    run, _created = Run.objects.get_or_create(
        cohort=cohort, number=1, defaults={"status": Run.Status.DONE, "solver": "lapjv"}
    )
    mentors = bulk_members(cohort, Role.MENTOR, n, name="Mentor")
    mentees = bulk_members(cohort, Role.MENTEE, n, name="Mentee")
    Proposal.objects.bulk_create(
        Proposal(run=run, mentor=a, mentee=b, score=(run.matched + i) % 101,
                 reasons=["Both want to talk about racism", "Both are free on Monday morning"])
        for i, (a, b) in enumerate(zip(mentors, mentees, strict=True))
    )  # fmt: skip
    _totals(run)  # the run's figures, kept as every change to its pairs keeps them
    return run
