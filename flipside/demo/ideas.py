"""The demo's ideas for change.

The closed Pride cohort (2025/26) has ideas in every status, each moved on through the ideas
services on the day it would have happened (``clock``): one still waiting for triage, one
under consideration (raised at the end-of-year reflection event), one accepted and owned by
the demo mentee (Professor Helen Carter, so her sign-in shows what an owner sees), one in
progress and one done, owned by a Dean invited by name and address, one not taken forward
with its reason, and a duplicate merged into the accepted one. Some proposers chose to be
named on the board. The running cohort has a few new ideas, one from the demo's own pair.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from flipside.accounts.models import User
from flipside.ideas.models import Idea, Status
from flipside.ideas.services import ideas, owners
from flipside.matching.models import Pair
from flipside.partnerships.models import ReflectionEvent
from flipside.schemes.models import Cohort, Role

from .clock import clock
from .organisation import Demo
from .signins import MENTEE, MENTOR

DEAN = ("Professor Olusegun Adeyemi", "dean.education@demo.flipside.test")
EVENT_TITLE = "End-of-year reflection"


def add_ideas(demo: Demo) -> None:
    _closed_year(demo)
    _running_year(demo)


@dataclass(frozen=True)
class Partners:
    mentor: User
    mentee: User


def _pairs(cohort: Cohort) -> list[Partners]:
    """The cohort's mentors and mentees as matching's demo paired them: each mentor with the
    mentee who joined in the same place."""
    people = {
        role: [
            m.user
            for m in cohort.memberships.filter(role=role).select_related("user").order_by("id")
        ]
        for role in (Role.MENTOR, Role.MENTEE)
    }
    return [Partners(a, b) for a, b in zip(people[Role.MENTOR], people[Role.MENTEE], strict=False)]


def _at(cohort: Cohort, days: int) -> datetime.datetime:
    """``days`` after the cohort started, at ten in the morning, never later than now."""
    day = cohort.starts_on + datetime.timedelta(days=days)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return min(at, timezone.now() - datetime.timedelta(hours=1))


def _raise(
    cohort: Cohort,
    pair: Partners,
    days: int,
    *,
    title: str,
    description: str,
    area: str,
    level: str,
    experience: str = "",
    named: bool = False,
    together: bool = True,
    by_mentee: bool = False,
) -> Idea:
    by = pair.mentee if by_mentee else pair.mentor
    proposers = [pair.mentor, pair.mentee] if together else [by]
    with clock(_at(cohort, days)):
        return ideas.record_idea(
            cohort,
            by=by,
            title=title,
            description=description,
            area=area,
            level=level,
            experience=experience,
            source="pair" if together else "person",
            proposers=proposers,
            named=named,
        )


def _move(idea: Idea, by: User, days: int, to: str, **said: str) -> Idea:
    with clock(_at(idea.cohort, days)):
        return ideas.change_status(idea, by=by, to=to, version=idea.version, **said)


def _own(idea: Idea, by: User, days: int, person: User) -> Idea:
    with clock(_at(idea.cohort, days)):
        return owners.assign_owner(idea, by=by, owner=person, version=idea.version)


def _closed_year(demo: Demo) -> None:
    cohort, by = demo.pride_closed, demo.coordinator
    pairs = _pairs(cohort)
    if len(pairs) < 4:
        return
    helen = demo.signins[MENTEE]
    images = _raise(
        cohort,
        pairs[0],
        60,
        title="Diverse patient images in anatomy teaching",
        description="Lecture slides and the anatomy atlas show almost only white "
        "skin. Use images of patients of every skin tone, especially for rashes.",
        area="curriculum",
        level="departmental",
        named=True,
        experience="I could not recognise a rash on a patient with dark skin "
        "because I had never seen one in teaching.",
    )
    images = _move(images, by, 75, Status.CONSIDERING, note="We will ask the anatomy team.")
    images = _own(images, by, 80, helen)
    images = _move(images, by, 82, Status.ACCEPTED, note="Agreed for next year's slides.")
    duplicate = _raise(
        cohort,
        pairs[1],
        70,
        title="More skin tones in lecture slides",
        description="Dermatology lectures need pictures of dark skin.",
        area="teaching",
        level="individual",
    )
    with clock(_at(cohort, 85)):
        ideas.merge_ideas(duplicate, into=images, by=by, version=duplicate.version)

    reporting = _raise(
        cohort,
        pairs[2],
        88,
        title="Anonymous reporting of placement incidents",
        description="Students need a way to report racist or "
        "homophobic remarks on placement without being identified.",
        area="placements",
        level="organisational",
        by_mentee=True,
    )
    reporting = _move(reporting, by, 95, Status.CONSIDERING)
    with clock(_at(cohort, 100)):
        reporting = owners.invite_owner(
            reporting, by=by, name=DEAN[0], email=DEAN[1], version=reporting.version
        )
    dean = User.objects.get(email=DEAN[1])
    reporting = _move(reporting, by, 102, Status.ACCEPTED)
    reporting = _move(
        reporting,
        dean,
        130,
        Status.IN_PROGRESS,
        note="A form is being built with the placement providers.",
    )

    reading = _raise(
        cohort,
        pairs[3],
        40,
        title="Say who wrote the reading list",
        description="Show the backgrounds of the authors on reading lists, and "
        "add authors from under-represented groups.",
        area="curriculum",
        level="departmental",
        named=True,
        together=False,
    )
    reading = _move(reading, by, 50, Status.CONSIDERING)
    reading = _own(reading, by, 52, dean)
    for days, step in ((55, Status.ACCEPTED), (70, Status.IN_PROGRESS)):
        reading = _move(reading, dean, days, step)
    _move(
        reading,
        dean,
        200,
        Status.DONE,
        outcome="Every Year 1 and 2 reading list now "
        "includes at least five authors from under-represented groups.",
    )

    parking = _raise(
        cohort,
        pairs[0],
        100,
        title="Free parking on placement",
        description="Students on placement pay for parking at the hospital.",
        area="placements",
        level="organisational",
    )
    parking = _move(parking, by, 110, Status.CONSIDERING)
    _move(
        parking,
        by,
        120,
        Status.NOT_TAKEN,
        reason="The NHS Trust sets parking charges, not "
        "the faculty. We have passed it to the Trust, and the hardship fund can help.",
    )

    _raise(
        cohort,
        pairs[1],
        250,
        title="Pronouns on module rosters",
        description="Let students add their pronouns to the class lists staff see.",
        area="policy",
        level="organisational",
    )
    _from_event(cohort, by)


def _from_event(cohort: Cohort, by: User) -> None:
    starts = _at(cohort, 280)
    event, _made = ReflectionEvent.objects.get_or_create(
        cohort=cohort, title=EVENT_TITLE, defaults={"kind": "end", "starts_at": starts}
    )
    with clock(starts + datetime.timedelta(hours=3)):
        idea = ideas.record_idea(
            cohort,
            by=by,
            title="Training for personal tutors on LGBTQ+ students",
            description="Several groups said personal tutors do not know where to point "
            "LGBTQ+ students for support.",
            area="staff_development",
            level="organisational",
            source="event",
            event=event,
        )
    _move(idea, by, 285, Status.CONSIDERING, note="Raised at the end-of-year reflection.")


def _running_year(demo: Demo) -> None:
    cohort = demo.pride_running
    sam, helen = demo.signins[MENTOR], demo.signins[MENTEE]
    together = Pair.objects.filter(cohort=cohort, mentor=sam, mentee=helen).exists()
    pairs = [p for p in _pairs(cohort) if sam not in (p.mentor, p.mentee)]
    if together:
        _raise(
            cohort,
            Partners(sam, helen),
            30,
            title="A quiet room for prayer near the teaching block",
            description="The nearest prayer room is a ten-minute walk away, so students "
            "miss the start of afternoon teaching.",
            area="estates",
            level="organisational",
        )
    for n, (title, area) in enumerate(
        [
            ("Feedback on assessments within three weeks", "assessment"),
            ("Name the support for disabled students in every module handbook", "pastoral"),
        ]
    ):
        if n < len(pairs):
            _raise(
                cohort,
                pairs[n],
                40 + n,
                title=title,
                description=title + ".",
                area=area,
                level="departmental",
            )
