"""Builders for recruitment tests: calls, programmes, topics and complete answers."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flipside.recruitment.models import Call, Programme, Topic
from flipside.schemes.models import Cohort, Organisation, Role, Scheme

LONDON = ZoneInfo("Europe/London")
OPENS = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
CLOSES = datetime.datetime(2027, 1, 29, 17, 0, tzinfo=LONDON)  # a Friday
BEFORE = OPENS - datetime.timedelta(days=3)
DURING = datetime.datetime(2027, 1, 20, 12, 0, tzinfo=LONDON)
AFTER = CLOSES + datetime.timedelta(minutes=1)
ELIGIBILITY = [
    "I am a student in the Faculty of Medicine.",
    "I can meet my mentee at least four times this year.",
]


def make_call(cohort: Cohort, role: str = Role.MENTOR, **fields: Any) -> Call:
    values = {
        "title": "Call for student mentors" if role == Role.MENTOR else "Call for staff mentees",
        "introduction": "Mentor a senior member of staff.\n\nYour time is paid.",
        "eligibility": ELIGIBILITY,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "places": 6,
        "word_limit": 50,
        **fields,
    }
    return Call.objects.create(cohort=cohort, role=role, **values)


def make_programme(organisation: Organisation, name: str = "MBBS", years: int = 5) -> Programme:
    return Programme.objects.create(organisation=organisation, name=name, years=years)


def make_topics(scheme: Scheme) -> list[Topic]:
    names = ["Coming out at medical school", "Names and pronouns", "Placements"]
    return [Topic.objects.create(scheme=scheme, name=n, order=i) for i, n in enumerate(names)]


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def mentor_answers(call: Call, **overrides: Any) -> dict[str, Any]:
    """A complete mentor application, as the form posts it."""
    organisation = call.cohort.scheme.organisation
    programme = organisation.programmes.first() or make_programme(organisation)
    topics = list(call.cohort.scheme.topics.all()) or make_topics(call.cohort.scheme)
    return {
        "programme": programme.pk,
        "year": "2",
        "site": organisation.sites.first().pk,  # type: ignore[union-attr]
        "statement": words(30),
        "topics": [topics[0].pk, topics[1].pk],
        "other_topics": "",
        "availability": ["tue-pm", "thu-eve"],
        "mode": "online",
        "pronouns": "they/them",
        "access_needs": "",
        "eligibility": [str(i) for i in range(len(call.eligibility))],
        "action": "save",
        **overrides,
    }


def mentee_answers(call: Call, **overrides: Any) -> dict[str, Any]:
    """A complete mentee application, as the form posts it."""
    organisation = call.cohort.scheme.organisation
    programme = organisation.programmes.first() or make_programme(organisation)
    return {
        "job_title": "Professor of Surgery",
        "department": "Surgery",
        "site": organisation.sites.first().pk,  # type: ignore[union-attr]
        "seniority": "professor",
        "hopes": "To understand what placements are like for LGBTQ+ students.",
        "teaching": [f"{programme.pk}-3", f"{programme.pk}-4"],
        "availability": ["mon-am"],
        "mode": "in_person",
        "pronouns": "",
        "access_needs": "",
        "eligibility": [str(i) for i in range(len(call.eligibility))],
        "action": "save",
        **overrides,
    }
