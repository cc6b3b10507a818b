"""States the sample world lacks, each made with the apps' own services, and the pages that
then draw a form the hostile-forms suite would otherwise never see (an ended pair to replace,
two proposals of a draft run, a meeting offered or recorded by the partner, submitted time, a
rubric, a session or event that has taken place, a session before its second step).

``STATES`` maps the name of each such form's URL to a builder: given the world with the
access matrix's sample objects made (its sample meeting the first), it makes the state and
returns the pages to open, each with the person who opens it. Where only time makes the state
(a session that has taken place), the thing is made as the apps make it and its start is then
moved into the past, as the clock would move it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_user
from flipside.accounts.models import User
from flipside.schemes.models import Role
from tests import matrix_ideas
from tests.test_access_matrix import matrix_application, matrix_matching


@dataclass(frozen=True)
class Opening:
    """A page to open, by whom; ``halfway``: signed in with the password only, before the
    second step."""

    url: str
    person: User
    halfway: bool = False


def _person(world: World, role: str, name: str) -> User:
    """A member of the sample cohort made once per world (several states share them)."""
    found = User.objects.filter(display_name=name).first()
    return found or join(world.cohort, role, make_user(name))


def _soon(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def second_step(world: World) -> list[Opening]:
    """A coordinator with an authenticator app who has given their password, not their code."""
    return [Opening(reverse("accounts:second_factor_verify"), world.cohort_coordinator, True)]


def second_open_idea(world: World) -> list[Opening]:
    from flipside.ideas.services.ideas import record_idea

    sample = matrix_ideas.samples(world)["idea_id"]
    record_idea(
        world.cohort, by=world.mentee, title="A quieter room for placements",
        description="Somewhere to talk in private.", area="curriculum", level="departmental",
        proposers=[world.mentee],
    )  # fmt: skip
    return [Opening(reverse("ideas:merge", args=[sample]), world.coordinator)]


def ended_pair(world: World) -> list[Opening]:
    """A mentor whose pair ended early, and a mentee nobody has been paired with."""
    from flipside.matching.services.publication import create_pair, end_pair

    mentor = _person(world, Role.MENTOR, "Rhys Rematch")
    partner = _person(world, Role.MENTEE, "Dr Ended Early")
    _person(world, Role.MENTEE, "Prof Free Place")
    pair = create_pair(world.cohort, mentor=mentor, mentee=partner, by=world.coordinator)
    end_pair(pair, by=world.coordinator, reason="Moved to another hospital")
    url = reverse("matching:rematch", args=[world.cohort.pk, mentor.pk])
    return [Opening(url, world.coordinator)]


def two_proposals(world: World) -> list[Opening]:
    """The sample draft run with a second pair added by hand."""
    from flipside.matching.models import Run
    from flipside.matching.services.edits import add_proposal

    run = Run.objects.get(pk=matrix_matching(world)["run_id"])
    mentor = _person(world, Role.MENTOR, "Sam Swap")
    mentee = _person(world, Role.MENTEE, "Prof Swap Partner")
    add_proposal(
        run, mentor=mentor, mentee=mentee, by=world.coordinator, version=run.version,
        confirmed=True,
    )  # fmt: skip
    return [Opening(reverse("matching:run", args=[run.pk]), world.coordinator)]


def offered_by_partner(world: World) -> list[Opening]:
    """Times for a meeting offered by the mentee: the mentor chooses one."""
    from flipside.matching.models import Pair
    from flipside.partnerships.services.meetings import propose

    pair = Pair.objects.get(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    meeting = propose(pair, by=world.mentee, options=[_soon(5), _soon(6, 14)])
    return [Opening(reverse("partnerships:meeting", args=[meeting.pk]), world.mentor)]


def _recorded_by_mentee(world: World) -> int:
    """The sample meeting (arranged, started an hour ago) recorded as held by the mentee."""
    from flipside.partnerships.models import Meeting
    from flipside.partnerships.services.meetings import record

    meeting = Meeting.objects.filter(pair__cohort=world.cohort).order_by("pk").first()
    assert meeting is not None
    record(meeting, by=world.mentee, held=True, minutes=60, mode="in_person")
    return meeting.pk


def recorded_by_partner(world: World) -> list[Opening]:
    meeting = _recorded_by_mentee(world)
    return [Opening(reverse("partnerships:meeting", args=[meeting]), world.mentor)]


def held_meeting(world: World) -> list[Opening]:
    _recorded_by_mentee(world)
    return [Opening(reverse("payments:my_pay", args=[world.cohort.pk]), world.mentor)]


def submitted_time(world: World) -> list[Opening]:
    """Last month's timesheet of the mentor, with other agreed work, submitted; their
    right-to-work check recorded, so that it can be approved."""
    from flipside.payments.models import Timesheet
    from flipside.payments.services.rates import record_employment
    from flipside.payments.services.timesheets import add_work_to, submit_timesheet

    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=3)
    line = add_work_to(
        world.cohort, worked_on=last_month, hours="1.5", description="Poster for open day",
        by=world.mentor,
    )  # fmt: skip
    sheet = Timesheet.objects.get(pk=line.timesheet_id)
    submit_timesheet(sheet, by=world.mentor, version=sheet.version)
    record_employment(
        world.organisation, world.mentor, by=world.coordinator, payroll_number="P1234",
        right_to_work_checked_on=timezone.localdate(), weekly_limit_hours=Decimal("20"),
    )  # fmt: skip
    return [Opening(reverse("payments:review", args=[world.cohort.pk]), world.coordinator)]


def rubric(world: World) -> list[Opening]:
    from flipside.recruitment.setup import Row, save_rubric

    rows = [
        Row(None, {"name": "Insight", "description": "", "max_score": 5, "order": None}),
        Row(None, {"name": "Commitment", "description": "", "max_score": 3, "order": None}),
    ]
    save_rubric(world.scheme, rows=rows, by=world.coordinator)
    url = reverse("recruitment:review", args=[matrix_application(world).pk])
    return [Opening(url, world.coordinator)]


def past_session(world: World) -> list[Opening]:
    """A training session the mentor booked, which has since taken place."""
    from flipside.training.models import TrainingSession
    from flipside.training.services import book, create_session

    session = create_session(
        world.cohort, by=world.coordinator, title="Listening well", audience="both",
        starts_at=_soon(2),
    )  # fmt: skip
    book(session, user=world.mentor, by=world.mentor)
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=_soon(-2))
    return [Opening(reverse("training:register", args=[session.pk]), world.coordinator)]


def past_event(world: World) -> list[Opening]:
    """A reflection event the cohort was invited to, which has since taken place."""
    from flipside.partnerships.models import ReflectionEvent
    from flipside.partnerships.services.events import create_event

    event = create_event(
        world.cohort, by=world.coordinator, title="Mid-point reflection", starts_at=_soon(3)
    )
    ReflectionEvent.objects.filter(pk=event.pk).update(starts_at=_soon(-3))
    return [Opening(reverse("partnerships:event_register", args=[event.pk]), world.coordinator)]


STATES: dict[str, Callable[[World], list[Opening]]] = {
    "accounts:second_factor_verify": second_step,
    "ideas:merge": second_open_idea,
    "matching:rematch": ended_pair,
    "matching:swap": two_proposals,
    "matching:remove": two_proposals,
    "partnerships:accept": offered_by_partner,
    "partnerships:answer": recorded_by_partner,
    "partnerships:event_register": past_event,
    "payments:approve": submitted_time,
    "payments:approve_selected": submitted_time,
    "payments:claim": held_meeting,
    "recruitment:score": rubric,
    "training:register": past_session,
}


def build_all(world: World) -> list[Opening]:
    """Every state in one world (each builder is made once), and every page they open."""
    openings: list[Opening] = []
    done: set[Any] = set()
    for build in STATES.values():
        if build not in done:
            done.add(build)
            openings += build(world)
    return openings
